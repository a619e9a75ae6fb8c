package io.steward.it.backup;

import static io.steward.it.backup.WalFixtures.CLUSTER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.steward.files.FileOwner;
import io.steward.files.FileVersion;
import io.steward.it.StewardScript;
import io.steward.it.aws.S3TestServer;
import io.steward.postgres.wal.WalArchive;
import io.steward.postgres.wal.WalSocketProtocol;
import io.steward.postgres.wal.WalSocketServer;
import io.steward.store.BackupStoreConfig.Compression;
import io.steward.testing.LoopFilesystem;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * wal-push and wal-fetch through a running agent's Unix socket: the {@code steward} command as PostgreSQL runs it,
 * a socket server with its own S3 archive (s3proxy), and the fallback to in-process work when no agent listens.
 */
@Timeout(120)
class WalSocketTest {
    private static final String BUCKET = "walsock";

    private Path root;
    private Path data;
    private Path socket;
    private Path config;
    private Path script;
    private S3TestServer agentS3;
    private S3TestServer commandS3;
    private WalSocketServer server;

    @BeforeEach
    void start() throws Exception {
        root = Files.createTempDirectory(Path.of("/tmp"), "steward-walsock-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        data = Files.createDirectories(root.resolve("data").resolve("pg_wal"));
        socket = root.resolve("run").resolve("wal.sock");
        agentS3 = S3TestServer.start();
        agentS3.createBucket(BUCKET);
        // the command's own configuration points elsewhere: whatever reaches this one was done in-process
        commandS3 = S3TestServer.start();
        commandS3.createBucket(BUCKET);
        config = WalFixtures.configFile(
                root,
                WalFixtures.storeSection(commandS3.endpoint(), BUCKET)
                        .replace("attempt_timeout: 1s", "attempt_timeout: 10s"));
        script = StewardScript.install(
                root,
                config,
                Map.of("aws.accessKeyId", S3TestServer.ACCESS_KEY, "aws.secretAccessKey", S3TestServer.SECRET_KEY));
        S3TestServer.lendCredentialsToThisJvm();
        WalArchive archive = new WalArchive(
                WalFixtures.config(agentS3.endpoint(), BUCKET, Compression.ZSTD, 2, Duration.ofSeconds(2)),
                CLUSTER,
                new MetricRegistry());
        server = new WalSocketServer(socket, archive, () -> data, FileOwner.lookup("postgres"), 2);
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        agentS3.close();
        commandS3.close();
        S3TestServer.withdrawCredentialsFromThisJvm();
        LoopFilesystem.run("rm", "-rf", root.toString());
    }

    private record Run(int exitCode, String output) {}

    /** Runs the steward command from the data directory, as PostgreSQL does. */
    private Run steward(String... args) throws Exception {
        return run(script, args);
    }

    private Run run(Path script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(root.resolve("data").toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), output);
    }

    private boolean archivedAt(S3TestServer s3, String segment) {
        return s3.client()
                        .listObjectsV2(r -> r.bucket(BUCKET).prefix("steward/" + CLUSTER + "/wal/" + segment))
                        .hasContents()
                && !s3.client()
                        .listObjectsV2(r -> r.bucket(BUCKET).prefix("steward/" + CLUSTER + "/wal/" + segment))
                        .contents()
                        .isEmpty();
    }

    /**
     * An S3 endpoint that answers HEAD but hangs up on every upload before its body is sent (the SDK then throws an
     * unchecked exception rather than its own): each push fails for PostgreSQL to retry, and the socket keeps serving.
     */
    @Test
    void anEndpointThatHangsUpOnUploadsFailsThosePushesOnly() throws Exception {
        server.close();
        try (HangUpOnUpload s3 = new HangUpOnUpload()) {
            WalArchive hangsUp = new WalArchive(
                    WalFixtures.config(s3.endpoint(), BUCKET, Compression.ZSTD, 1, Duration.ofSeconds(5)),
                    CLUSTER,
                    new MetricRegistry());
            server = new WalSocketServer(socket, hangsUp, () -> data, FileOwner.lookup("postgres"), 0);
            String name = WalFixtures.segmentName(1, 20);
            WalFixtures.writeWalLike(data.resolve(name), 1 << 20, 20);

            Run first = steward("wal-push", "pg_wal/" + name, "--socket", socket.toString());
            Run again = steward("wal-push", "pg_wal/" + name, "--socket", socket.toString());

            for (Run push : List.of(first, again)) {
                assertThat(push.exitCode()).as(push.output()).isEqualTo(1);
                assertThat(push.output()).contains("steward wal-push (agent)", "could not archive " + name);
            }
            assertThat(s3.uploadsRefused()).isGreaterThanOrEqualTo(2);
        }
    }

    /** Speaks just enough HTTP: 404 to every HEAD, a closed connection for anything else. */
    private static final class HangUpOnUpload implements AutoCloseable {
        private final java.net.ServerSocket listener =
                new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        private final java.util.concurrent.atomic.AtomicInteger refused =
                new java.util.concurrent.atomic.AtomicInteger();
        private final Thread acceptor = new Thread(this::acceptLoop, "hang-up-s3");

        HangUpOnUpload() throws IOException {
            acceptor.setDaemon(true);
            acceptor.start();
        }

        java.net.URI endpoint() {
            return java.net.URI.create("http://127.0.0.1:" + listener.getLocalPort());
        }

        int uploadsRefused() {
            return refused.get();
        }

        private void acceptLoop() {
            while (!listener.isClosed()) {
                try (java.net.Socket client = listener.accept()) {
                    var in = new java.io.BufferedReader(
                            new java.io.InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
                    String requestLine;
                    while ((requestLine = in.readLine()) != null && requestLine.startsWith("HEAD ")) {
                        while (!in.readLine().isEmpty()) {
                            // headers of a HEAD request: nothing to read after them
                        }
                        client.getOutputStream()
                                .write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                                        .getBytes(StandardCharsets.ISO_8859_1));
                    }
                    if (requestLine != null) {
                        refused.incrementAndGet();
                    }
                } catch (IOException e) {
                    // closed, or the client went away
                }
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    @Test
    void theAgentPushesAndFetchesAndTheSocketIsTheDatabaseUsersAlone() throws Exception {
        String name = WalFixtures.segmentName(1, 3);
        Path segment = WalFixtures.writeWalLike(data.resolve(name), 1 << 20, 3);

        Run push = steward("wal-push", "pg_wal/" + name, "--socket", socket.toString());
        Run fetch = steward("wal-fetch", name, "pg_wal/RECOVERYXLOG", "--socket", socket.toString());

        assertThat(push.exitCode()).as(push.output()).isZero();
        assertThat(push.output()).contains("steward wal-push (agent)");
        assertThat(archivedAt(agentS3, name)).isTrue();
        assertThat(archivedAt(commandS3, name)).isFalse();
        assertThat(fetch.exitCode()).as(fetch.output()).isZero();
        assertThat(WalFixtures.sha256(data.resolve("RECOVERYXLOG"))).isEqualTo(WalFixtures.sha256(segment));
        assertThat(Files.getOwner(socket).getName()).isEqualTo("postgres");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                .isEqualTo("rw-------");

        Run missing = steward(
                "wal-fetch", WalFixtures.segmentName(1, 99), "pg_wal/RECOVERYXLOG", "--socket", socket.toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.output()).contains("is not in the archive");
    }

    @Test
    void withoutSocatTheJavaCommandHandsTheRequestToTheAgent() throws Exception {
        Path javaOnly = StewardScript.install(
                root,
                "steward-java",
                config,
                Map.of("aws.accessKeyId", S3TestServer.ACCESS_KEY, "aws.secretAccessKey", S3TestServer.SECRET_KEY),
                Map.of("STEWARD_SOCAT", ""));
        String name = WalFixtures.segmentName(1, 30);
        Path segment = WalFixtures.writeWalLike(data.resolve(name), 1 << 20, 30);

        Run push = run(javaOnly, "wal-push", "pg_wal/" + name, "--socket", socket.toString());
        Run fetch = run(javaOnly, "wal-fetch", name, "pg_wal/RECOVERYXLOG", "--socket", socket.toString());

        assertThat(push.exitCode()).as(push.output()).isZero();
        assertThat(push.output()).contains("steward wal-push (agent)");
        assertThat(archivedAt(agentS3, name)).isTrue();
        assertThat(archivedAt(commandS3, name)).isFalse();
        assertThat(fetch.exitCode()).as(fetch.output()).isZero();
        assertThat(WalFixtures.sha256(data.resolve("RECOVERYXLOG"))).isEqualTo(WalFixtures.sha256(segment));
    }

    @Test
    void withoutAnAgentTheCommandWorksInItsOwnProcess() throws Exception {
        String name = WalFixtures.segmentName(1, 4);
        WalFixtures.writeWalLike(data.resolve(name), 1 << 20, 4);

        Run push = steward(
                "wal-push",
                "pg_wal/" + name,
                "--socket",
                root.resolve("no-agent.sock").toString());

        assertThat(push.exitCode()).as(push.output()).isZero();
        assertThat(push.output()).doesNotContain("(agent)");
        assertThat(archivedAt(commandS3, name)).isTrue();
        assertThat(archivedAt(agentS3, name)).isFalse();
    }

    /**
     * The operator reads the same sentence whether the agent did the work or the command did it itself (both S3
     * servers hold a bucket of the same name); the agent's answer only says that it came from the agent.
     */
    @Test
    void theAgentAndTheCommandItselfReportAPushInTheSameWords() throws Exception {
        String name = WalFixtures.segmentName(1, 6);
        WalFixtures.writeWalLike(data.resolve(name), 1 << 20, 6);
        String noAgent = root.resolve("no-agent.sock").toString();

        Run byAgent = steward("wal-push", "pg_wal/" + name, "--socket", socket.toString());
        Run againByAgent = steward("wal-push", "pg_wal/" + name, "--socket", socket.toString());
        Run inProcess = steward("wal-push", "pg_wal/" + name, "--socket", noAgent);
        Run againInProcess = steward("wal-push", "pg_wal/" + name, "--socket", noAgent);
        Run fetchedByAgent = steward("wal-fetch", name, "pg_wal/RECOVERYXLOG", "--socket", socket.toString());
        Run fetchedInProcess = steward("wal-fetch", name, "pg_wal/RECOVERYXLOG", "--socket", noAgent);

        String location = "s3://" + BUCKET + "/steward/" + CLUSTER + "/wal/" + name;
        assertThat(byAgent.output())
                .startsWith("steward wal-push (agent): archived " + name + " to " + location)
                .contains(" bytes, ", " stored)");
        assertThat(inProcess.output()).startsWith("archived " + name + " to " + location);
        assertThat(againByAgent.output())
                .isEqualTo("steward wal-push (agent): " + againInProcess.output())
                .startsWith("steward wal-push (agent): already archived with the same content: " + name + " at "
                        + location);
        assertThat(fetchedByAgent.output())
                .isEqualTo("steward wal-fetch (agent): " + fetchedInProcess.output())
                .isEqualTo("steward wal-fetch (agent): restored " + name + " (1048576 bytes)\n");
    }

    @Test
    void theAgentsFailureStandsAndNothingIsArchivedElsewhere() throws Exception {
        String name = WalFixtures.segmentName(1, 5);
        WalFixtures.writeWalLike(data.resolve(name), 1 << 20, 5);
        agentS3.cut();

        Run push = steward("wal-push", "pg_wal/" + name, "--socket", socket.toString());

        assertThat(push.exitCode()).as(push.output()).isEqualTo(1);
        assertThat(push.output()).contains("steward wal-push (agent)");
        assertThat(archivedAt(commandS3, name))
                .as("no second attempt in-process")
                .isFalse();
        agentS3.heal();
        assertThat(steward("wal-push", "pg_wal/" + name, "--socket", socket.toString())
                        .exitCode())
                .isZero();
        assertThat(archivedAt(agentS3, name)).isTrue();
    }

    @Test
    void malformedTruncatedAndVersionOneRequestsAreRefusedWithTheirReason() throws Exception {
        String name = WalFixtures.segmentName(1, 6);

        String garbage = ask("GET / HTTP/1.0");
        String versionOne = ask("steward-wal 1 push " + data.resolve(name));
        String badName = ask("steward-wal 2 fetch ../../etc/passwd");
        String badSize = ask("steward-wal 2 push " + name + " -1");
        String truncated = ask("steward-wal 2 push " + name + " 10\nshort");
        String tooLong = ask("steward-wal 2 push " + name + " 5\nfive and more");
        String badChangeTime = ask("steward-wal 2 confirm " + name + " 5 65024 612 1796608920.15");

        assertThat(garbage).startsWith("2 refused: not a WAL request");
        assertThat(versionOne).startsWith("2 refused: this agent takes version 2 WAL requests, not version '1'");
        assertThat(badName).startsWith("2 refused: '../../etc/passwd' is not a WAL file name");
        assertThat(badSize).startsWith("2 refused: the size must be a number of bytes");
        assertThat(truncated)
                .startsWith("2 refused: the request for " + name + " did not bring the whole file: the "
                        + "file ended after 6 of its 10 bytes");
        assertThat(tooLong).startsWith("2 refused: the request for " + name + " brought more than its 5 bytes");
        assertThat(badChangeTime)
                .startsWith("2 refused: the change time must be seconds and nine digits of nanoseconds");
        assertThat(archivedAt(agentS3, "")).isFalse();
    }

    @Test
    void readySegmentsAreUploadedAheadButOnlyAcknowledgedWhenAskedForAndUnchanged() throws Exception {
        Path status = Files.createDirectories(data.resolve("archive_status"));
        List<String> names = new ArrayList<>();
        for (int i = 10; i <= 14; i++) {
            names.add(WalFixtures.segmentName(1, i));
            WalFixtures.writeWalLike(data.resolve(names.get(names.size() - 1)), 1 << 20, i);
            Files.createFile(status.resolve(names.get(names.size() - 1) + ".ready"));
        }
        // PostgreSQL's, as the agent reads them ahead only from the database user's WAL directory
        LoopFilesystem.run("chown", "-R", "postgres:postgres", data.toString());

        Run first = steward("wal-push", "pg_wal/" + names.get(0), "--socket", socket.toString());

        assertThat(first.exitCode()).as(first.output()).isZero();
        // two uploads ahead at most: the next two ready files, not yet the ones after them
        await().atMost(Duration.ofSeconds(60))
                .until(() -> archivedAt(agentS3, names.get(1)) && archivedAt(agentS3, names.get(2)));
        assertThat(archivedAt(agentS3, names.get(3))).isFalse();
        Files.move(status.resolve(names.get(0) + ".ready"), status.resolve(names.get(0) + ".done"));

        Run second = steward("wal-push", "pg_wal/" + names.get(1), "--socket", socket.toString());
        assertThat(second.exitCode()).as(second.output()).isZero();
        Files.move(status.resolve(names.get(1) + ".ready"), status.resolve(names.get(1) + ".done"));
        // changed after its upload ahead: the request pushes it again and the archive refuses the new content
        WalFixtures.writeWalLike(data.resolve(names.get(2)), 1 << 20, 99);
        Run changed = steward("wal-push", "pg_wal/" + names.get(2), "--socket", socket.toString());

        assertThat(changed.exitCode()).as(changed.output()).isEqualTo(1);
        assertThat(changed.output()).contains("different content under this name");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> archivedAt(agentS3, names.get(3)) && archivedAt(agentS3, names.get(4)));
    }

    /**
     * A file the agent uploaded ahead is confirmed by its version alone, so the command need not send its bytes; a
     * request for any other version is not, and costs nothing: the upload still counts for the version it read.
     */
    @Test
    void aFileUploadedAheadIsConfirmedByItsVersionWithoutItsBytes() throws Exception {
        Path status = Files.createDirectories(data.resolve("archive_status"));
        List<String> names = new ArrayList<>();
        for (int i = 30; i <= 32; i++) {
            names.add(WalFixtures.segmentName(1, i));
            WalFixtures.writeWalLike(data.resolve(names.get(names.size() - 1)), 1 << 20, i);
            Files.createFile(status.resolve(names.get(names.size() - 1) + ".ready"));
        }
        LoopFilesystem.run("chown", "-R", "postgres:postgres", data.toString());
        assertThat(socket.resolveSibling("wal.sock.push-ahead"))
                .as("the mark that has the launcher confirm first")
                .exists();
        assertThat(steward("wal-push", "pg_wal/" + names.get(0), "--socket", socket.toString())
                        .exitCode())
                .isZero();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> archivedAt(agentS3, names.get(1)) && archivedAt(agentS3, names.get(2)));

        FileVersion second = version(names.get(1));
        FileVersion third = version(names.get(2));
        String confirmed = ask(
                WalSocketProtocol.Request.confirm(names.get(1), second).line().strip());
        String otherVersion = ask(WalSocketProtocol.Request.confirm(
                        names.get(2),
                        new FileVersion(
                                third.device(),
                                third.inode(),
                                third.size(),
                                third.changed().plusNanos(1)))
                .line()
                .strip());
        String rightVersion = ask(
                WalSocketProtocol.Request.confirm(names.get(2), third).line().strip());

        assertThat(confirmed)
                .startsWith("0 archived " + names.get(1) + " to s3://" + BUCKET + "/steward/" + CLUSTER + "/wal/"
                        + names.get(1));
        assertThat(otherVersion).startsWith("1 this version of " + names.get(2) + " was not uploaded ahead; send it");
        assertThat(rightVersion)
                .startsWith("0 archived " + names.get(2) + " to s3://" + BUCKET + "/steward/" + CLUSTER + "/wal/"
                        + names.get(2));
    }

    /** The version of a file in pg_wal as the launcher sends it ({@code stat -c '%s %d %i %.9Z'}). */
    private FileVersion version(String name) throws IOException {
        Map<String, Object> stat = Files.readAttributes(data.resolve(name), "unix:size,dev,ino,ctime");
        return new FileVersion(
                (Long) stat.get("dev"),
                (Long) stat.get("ino"),
                (Long) stat.get("size"),
                ((FileTime) stat.get("ctime")).toInstant());
    }

    /** The command writes the file itself, as PostgreSQL's user: the agent writes nothing in the data directory. */
    @Test
    void aFetchedFileBelongsToTheUserWhoRunsTheCommand() throws Exception {
        String name = WalFixtures.segmentName(1, 20);
        WalFixtures.writeWalLike(data.resolve(name), 1 << 16, 20);
        assertThat(steward("wal-push", "pg_wal/" + name, "--socket", socket.toString())
                        .exitCode())
                .isZero();
        LoopFilesystem.run(
                "chown", "-R", "postgres:postgres", root.resolve("data").toString());

        Run fetch = run(
                Path.of("runuser"),
                "-u",
                "postgres",
                "--",
                script.toString(),
                "wal-fetch",
                name,
                "pg_wal/RECOVERYXLOG",
                "--socket",
                socket.toString());

        assertThat(fetch.exitCode()).as(fetch.output()).isZero();
        assertThat(Files.getOwner(data.resolve("RECOVERYXLOG")).getName()).isEqualTo("postgres");
    }

    private String ask(String line) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            // as the clients do: the agent then sees where a push's bytes end
            channel.shutdownOutput();
            return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
