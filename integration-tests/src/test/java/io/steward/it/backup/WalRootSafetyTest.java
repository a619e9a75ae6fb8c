package io.steward.it.backup;

import static io.steward.it.backup.WalFixtures.CLUSTER;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.steward.files.FileOwner;
import io.steward.it.StewardScript;
import io.steward.it.aws.S3TestServer;
import io.steward.postgres.wal.WalArchive;
import io.steward.postgres.wal.WalSocketServer;
import io.steward.store.BackupStoreConfig.Compression;
import io.steward.testing.LoopFilesystem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent runs as root and PostgreSQL's user runs {@code steward wal-push} and {@code wal-fetch}: that user
 * races link swaps against them, as a hostile extension or a compromised server could, and gains nothing. A root-only
 * file never reaches S3 or PostgreSQL's user, nothing is written outside the data directory, and every request that
 * fails says why. The commands go through the packaged launcher and socat, as PostgreSQL runs them.
 */
@Timeout(180)
class WalRootSafetyTest {
    private static final String BUCKET = "walsafe";
    private static final int ATTEMPTS = 200;

    private Path root;
    private Path data;
    private Path wal;
    private Path socket;
    private Path script;
    private Path stop;
    private String marker;
    private Path secret;
    private S3TestServer s3;
    private WalSocketServer server;

    @BeforeEach
    void start() throws Exception {
        root = Files.createTempDirectory(Path.of("/tmp"), "steward-walsafe-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        data = Files.createDirectories(root.resolve("data"));
        wal = Files.createDirectories(data.resolve("pg_wal"));
        LoopFilesystem.run("chown", "-R", "postgres:postgres", data.toString());
        marker = "ROOT-ONLY-" + UUID.randomUUID();
        secret = Files.writeString(root.resolve("secret"), (marker + "\n").repeat(64));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        stop = root.resolve("stop");
        socket = root.resolve("run").resolve("wal.sock");
        s3 = S3TestServer.start();
        s3.createBucket(BUCKET);
        Path config = WalFixtures.configFile(root, WalFixtures.storeSection(s3.endpoint(), BUCKET));
        script = StewardScript.install(root, config, Map.of());
        S3TestServer.lendCredentialsToThisJvm();
    }

    private void serve(int pushAhead) throws IOException {
        server = new WalSocketServer(
                socket,
                new WalArchive(
                        WalFixtures.config(s3.endpoint(), BUCKET, Compression.NONE, 2, Duration.ofSeconds(10)),
                        CLUSTER,
                        new MetricRegistry()),
                () -> wal,
                FileOwner.lookup("postgres"),
                pushAhead);
    }

    @AfterEach
    void stop() throws Exception {
        Files.writeString(stop, "");
        if (server != null) {
            server.close();
        }
        s3.close();
        S3TestServer.withdrawCredentialsFromThisJvm();
        LoopFilesystem.run("rm", "-rf", root.toString());
    }

    /**
     * Pushing ahead, the agent itself reads the segments marked ready through the held WAL directory, and the command
     * asks it to confirm each one by the version it sees before it sends any bytes.
     */
    @ParameterizedTest(name = "push_ahead {0}")
    @ValueSource(ints = {0, 2})
    void aSegmentSwappedForALinkToARootOnlyFileNeverReachesTheArchive(int pushAhead) throws Exception {
        serve(pushAhead);
        Path status = Files.createDirectories(wal.resolve("archive_status"));
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= ATTEMPTS; i++) {
            names.add(WalFixtures.segmentName(1, i));
            Files.writeString(wal.resolve(names.get(i - 1)), ("legit " + names.get(i - 1) + "\n").repeat(512));
            Files.createFile(status.resolve(names.get(i - 1) + ".ready"));
        }
        LoopFilesystem.run("chown", "-R", "postgres:postgres", wal.toString());
        Process racer = asPostgres(
                List.of("python3", script("swap_file.py"), wal.toString(), secret.toString(), stop.toString()));

        List<Run> pushes = new ArrayList<>();
        for (String name : names) {
            pushes.add(
                    asPostgresCommand(script.toString(), "wal-push", "pg_wal/" + name, "--socket", socket.toString()));
            // as PostgreSQL's archiver, which then goes on to the next segment
            Files.move(status.resolve(name + ".ready"), status.resolve(name + ".done"));
        }
        Files.writeString(stop, "");

        assertThat(racer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long swaps = Long.parseLong(new String(racer.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        assertThat(swaps).as("the racer swapped while the pushes ran").isGreaterThan(ATTEMPTS);
        for (Run push : pushes) {
            assertThat(push.output()).doesNotContain(marker);
            if (push.exitCode() != 0) {
                assertThat(push.output())
                        .as("a failed push says why")
                        .containsAnyOf("refused: ", "cannot read", "could not archive");
            }
        }
        assertThat(pushes).as("some pushes won the race").anyMatch(push -> push.exitCode() == 0);
        List<String> objects = s3.client().listObjectsV2Paginator(r -> r.bucket(BUCKET)).contents().stream()
                .map(object -> object.key())
                .toList();
        assertThat(objects).isNotEmpty();
        for (String key : objects) {
            try (InputStream object =
                    s3.client().getObject(r -> r.bucket(BUCKET).key(key))) {
                String content = new String(object.readAllBytes(), StandardCharsets.UTF_8);
                assertThat(content).as(key).doesNotContain(marker).startsWith("legit ");
            }
        }
    }

    @Test
    void aFetchIntoADirectorySwappedForALinkToARootOnlyDirectoryWritesNothingThere() throws Exception {
        serve(0);
        String name = WalFixtures.segmentName(1, 7);
        Files.writeString(wal.resolve(name), ("legit " + name + "\n").repeat(512));
        LoopFilesystem.run("chown", "postgres:postgres", wal.resolve(name).toString());
        assertThat(asPostgresCommand(script.toString(), "wal-push", "pg_wal/" + name, "--socket", socket.toString())
                        .exitCode())
                .isZero();
        Path rootOnly = Files.createDirectory(root.resolve("root-only"));
        Path swap = Files.createSymbolicLink(data.resolve("pg_wal.swap"), rootOnly);
        LoopFilesystem.run("chown", "-h", "postgres:postgres", swap.toString());
        Process racer = asPostgres(
                List.of("python3", script("exchange_directory.py"), wal.toString(), swap.toString(), stop.toString()));

        List<Run> fetches = new ArrayList<>();
        for (int i = 0; i < ATTEMPTS; i++) {
            fetches.add(asPostgresCommand(
                    script.toString(), "wal-fetch", name, "pg_wal/RECOVERYXLOG", "--socket", socket.toString()));
        }
        Files.writeString(stop, "");

        assertThat(racer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long exchanges =
                Long.parseLong(new String(racer.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        assertThat(exchanges).as("the racer exchanged while the fetches ran").isGreaterThan(ATTEMPTS);
        try (Stream<Path> written = Files.list(rootOnly)) {
            assertThat(written.toList())
                    .as("nothing written into the root-only directory")
                    .isEmpty();
        }
        for (Run fetch : fetches) {
            if (fetch.exitCode() != 0) {
                assertThat(fetch.output())
                        .as("a failed fetch says why")
                        .containsAnyOf("could not write", "could not rename", "Permission denied");
            }
        }
        assertThat(fetches).as("some fetches won the race").anyMatch(fetch -> fetch.exitCode() == 0);
        // after an odd number of exchanges the directory is under the link's name
        Path realWal = Files.isSymbolicLink(wal) ? swap : wal;
        Path restored = realWal.resolve("RECOVERYXLOG");
        assertThat(Files.readString(restored)).startsWith("legit " + name);
        assertThat(Files.getOwner(restored).getName()).isEqualTo("postgres");
    }

    private record Run(int exitCode, String output) {}

    private String script(String name) throws IOException {
        Path file = root.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/wal-race/" + name)) {
            Files.write(file, in.readAllBytes());
        }
        return file.toString();
    }

    private Process asPostgres(List<String> command) throws IOException {
        List<String> asUser = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        asUser.addAll(command);
        return new ProcessBuilder(asUser)
                .directory(data.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** As PostgreSQL runs its archive and restore commands: as its user, in the data directory. */
    private Run asPostgresCommand(String... command) throws Exception {
        List<String> asUser = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        asUser.addAll(List.of(command));
        Process process = new ProcessBuilder(asUser)
                .directory(data.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), output);
    }
}
