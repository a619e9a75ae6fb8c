package io.steward.it.backup;

import static io.steward.it.backup.WalFixtures.CLUSTER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.codahale.metrics.MetricRegistry;
import io.steward.it.LocalCluster;
import io.steward.it.StewardScript;
import io.steward.it.aws.S3TestServer;
import io.steward.postgres.wal.FetchResult;
import io.steward.postgres.wal.WalArchive;
import io.steward.store.BackupStoreConfig.Compression;
import io.steward.testing.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** A real PostgreSQL 15 with {@code archive_command} running {@code steward wal-push} as its own process. */
class WalArchivePostgresTest {
    private static final String BUCKET = "pg-archive";

    @Test
    void everySwitchedSegmentIsArchivedThroughTheCli() throws Exception {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "steward-walpg-");
        // PostgreSQL runs as user postgres and runs the archive command as that user: it must reach everything here
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path data = root.resolve("data");
        int port = FreePorts.next();
        try (S3TestServer s3 = S3TestServer.start()) {
            s3.createBucket(BUCKET);
            Path config = WalFixtures.configFile(
                    root,
                    WalFixtures.storeSection(s3.endpoint(), BUCKET)
                            .replace("attempt_timeout: 1s", "attempt_timeout: 10s"));
            Files.createDirectories(data);
            Path socketDir = Files.createDirectories(root.resolve("run"));
            Path logs = Files.createDirectories(root.resolve("logs"));
            run(root, "chown", "postgres:postgres", data.toString(), socketDir.toString(), logs.toString());
            run(
                    root,
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    LocalCluster.PG_BIN.resolve("initdb").toString(),
                    "-D",
                    data.toString(),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync");
            // as PostgreSQL runs it, in its own process: no agent listens on the socket it is given
            Path walPush = StewardScript.install(
                    root,
                    config,
                    Map.of("aws.accessKeyId", S3TestServer.ACCESS_KEY, "aws.secretAccessKey", S3TestServer.SECRET_KEY));
            String archiveCommand = walPush + " wal-push %p --socket " + root.resolve("no-agent.sock");
            Files.writeString(
                    data.resolve("postgresql.conf"),
                    String.join(
                            "\n",
                            "",
                            "port = " + port,
                            "listen_addresses = '127.0.0.1'",
                            "unix_socket_directories = '" + socketDir + "'",
                            "archive_mode = on",
                            "archive_command = '" + archiveCommand + "'",
                            "fsync = off",
                            ""),
                    StandardOpenOption.APPEND);
            run(
                    root,
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    LocalCluster.PG_BIN.resolve("pg_ctl").toString(),
                    "start",
                    "-w",
                    "-D",
                    data.toString(),
                    "-l",
                    logs.resolve("postgres.log").toString());

            List<String> switched = new ArrayList<>();
            try (Connection connection = DriverManager.getConnection(
                            "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
                    Statement sql = connection.createStatement()) {
                sql.execute("CREATE TABLE t (id serial PRIMARY KEY, payload text)");
                for (int i = 0; i < 3; i++) {
                    sql.execute("INSERT INTO t (payload) SELECT md5(g::text) FROM generate_series(1, 10000) g");
                    // the LSN pg_switch_wal returns ends the segment it closed, which pg_walfile_name names
                    try (ResultSet rs = sql.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
                        rs.next();
                        switched.add(rs.getString(1));
                    }
                }
                long start = System.nanoTime();
                awaitArchived(sql, switched.get(2), logs.resolve("postgres.log"));
                System.out.printf(
                        "wal archive: PostgreSQL archived %d switched segments through the CLI in %d ms%n",
                        switched.size(), (System.nanoTime() - start) / 1_000_000);
            }

            // the archive in this JVM takes credentials from the default chain, like the archive command's
            S3TestServer.lendCredentialsToThisJvm();
            try (WalArchive archive = new WalArchive(
                    WalFixtures.config(s3.endpoint(), BUCKET, Compression.ZSTD, 2, Duration.ofSeconds(10)),
                    CLUSTER,
                    new MetricRegistry())) {
                for (String segment : switched) {
                    HeadObjectResponse head =
                            s3.client().headObject(r -> r.bucket(BUCKET).key("steward/" + CLUSTER + "/wal/" + segment));
                    assertThat(head.metadata())
                            .containsEntry("steward-size", Integer.toString(16 << 20))
                            .containsEntry("steward-compression", "zstd");
                    assertThat(head.contentLength())
                            .as("a switched, mostly empty segment compresses well")
                            .isLessThan(8 << 20);
                    Path restored = root.resolve("restored-" + segment);
                    assertThat(archive.fetch(segment, restored)).isInstanceOf(FetchResult.Restored.class);
                    assertThat(Files.size(restored)).isEqualTo(16 << 20);
                }
            }
        } finally {
            S3TestServer.withdrawCredentialsFromThisJvm();
            if (Files.exists(data.resolve("postmaster.pid"))) {
                run(
                        root,
                        "runuser",
                        "-u",
                        "postgres",
                        "--",
                        LocalCluster.PG_BIN.resolve("pg_ctl").toString(),
                        "stop",
                        "-m",
                        "immediate",
                        "-D",
                        data.toString());
            }
            deleteTree(root);
        }
    }

    /** Waits until PostgreSQL reports {@code segment} archived; fails at the first archive_command failure. */
    private static void awaitArchived(Statement sql, String segment, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            try (ResultSet rs = sql.executeQuery("SELECT failed_count, last_archived_wal FROM pg_stat_archiver")) {
                rs.next();
                if (rs.getLong("failed_count") > 0) {
                    // PostgreSQL waits a minute after three failures before it tries again: no point waiting
                    fail("archive_command failed; PostgreSQL's log:\n" + Files.readString(log));
                }
                String archived = rs.getString("last_archived_wal");
                if (archived != null && archived.compareTo(segment) >= 0) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                fail(segment + " not archived within 90 s; PostgreSQL's log:\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
    }

    /**
     * The test's class path, with every entry under the home folder (the local Maven repository; only root may
     * enter it) copied to {@code copies}, which user postgres can read.
     */
    private static void run(Path root, String... command) throws IOException, InterruptedException {
        Path output = root.resolve("command.log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(
                    String.join(" ", command) + " failed; output:\n" + Files.readString(output));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(path);
            }
        }
    }
}
