package io.steward.it.backup;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.steward.files.FileOwner;
import io.steward.it.LocalCluster;
import io.steward.it.StewardScript;
import io.steward.it.aws.S3TestServer;
import io.steward.postgres.wal.WalArchive;
import io.steward.postgres.wal.WalArchiveConfig;
import io.steward.postgres.wal.WalSocketServer;
import io.steward.store.BackupStoreConfig;
import io.steward.testing.FreePorts;
import io.steward.testing.LoopFilesystem;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code steward wal-push} against pgBackRest 2.45 {@code archive-push}, side by side in one run: the same 16 MiB
 * segments in a data directory's pg_wal, marked ready and archived one command at a time as PostgreSQL's archiver
 * does, as user postgres, to the same s3proxy over HTTPS. pgBackRest runs synchronously (gz and zst) and in its
 * asynchronous mode; Steward through the agent with and without pushing ahead, and without an agent. Run on
 * demand (surefire excludes {@code *Benchmark*}): {@code ./scripts/benchmark.sh wal}, or
 * {@code mvn -B -o verify -pl integration-tests -am -Dtest=WalPushBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * -Dwalbench.segments=200}. Needs {@code pgbackrest} (Debian's) unless {@code -Dsystems=steward} leaves its rows out.
 */
// On demand only, and long: the suite's default of 10 minutes per test does not fit.
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.HOURS)
class WalPushBenchmark {
    /** Which systems to measure: steward, pgbackrest (comma-separated). */
    private static final List<String> SYSTEMS =
            List.of(System.getProperty("systems", "steward,pgbackrest").split(","));

    private static final String BUCKET = "bench";
    private static final String PASSWORD = "benchpass";
    /** As many uploads at once as the agent's default: the one asked for and two ahead. */
    private static final int PGBACKREST_PROCESSES = 1 + WalArchiveConfig.DEFAULT_PUSH_AHEAD;
    /** Far past the segments of the freshly made cluster whose pg_control pgBackRest reads. */
    private static final long FIRST_SEGMENT = 0x1000;

    @Test
    void stewardAgainstPgBackRest() throws Exception {
        int count = Integer.getInteger("walbench.segments", 200);
        Path root = Files.createTempDirectory(Path.of("/tmp"), "steward-walbench-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path keyStore = root.resolve("s3.jks");
        run(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "s3",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-keystore",
                keyStore.toString(),
                "-storepass",
                PASSWORD,
                "-keypass",
                PASSWORD);
        // the agent's S3 client trusts the test certificate; pgBackRest is told not to verify it
        System.setProperty("javax.net.ssl.trustStore", keyStore.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", PASSWORD);
        S3TestServer.lendCredentialsToThisJvm();
        Path data = root.resolve("data");
        try (S3TestServer s3 = S3TestServer.startWithTls(keyStore, PASSWORD)) {
            s3.createBucket(BUCKET);
            Map<String, Path> pgBackRest =
                    SYSTEMS.contains("pgbackrest") ? stanzas(root, data, s3.securePort()) : Map.of();
            Path walDirectory = Files.createDirectories(data.resolve("pg_wal"));
            List<Path> segments = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                segments.add(WalFixtures.writeWalLike(
                        walDirectory.resolve(WalFixtures.segmentName(1, FIRST_SEGMENT + i)), 16 << 20, i));
            }
            run("chown", "-R", "postgres:postgres", data.toString());

            List<String> report = new ArrayList<>();
            for (Map.Entry<String, Path> system : pgBackRest.entrySet()) {
                report.add(archiveAll(
                        system.getKey(),
                        segments,
                        file -> List.of(
                                "pgbackrest",
                                "--config=" + system.getValue(),
                                "--stanza=bench",
                                "--no-archive-header-check",
                                "archive-push",
                                file.toString())));
                deleteAll(s3, system.getValue().getParent().getFileName() + "/archive/bench/");
            }
            if (SYSTEMS.contains("steward")) {
                report.addAll(stewardRows(root, data, s3, keyStore, segments));
            }
            System.out.println("wal push benchmark, " + count + " x 16 MiB:\n  " + String.join("\n  ", report));
        } finally {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                asPostgres(
                        LocalCluster.PG_BIN.resolve("pg_ctl").toString(),
                        "stop",
                        "-m",
                        "immediate",
                        "-D",
                        data.toString());
            }
            System.clearProperty("javax.net.ssl.trustStore");
            System.clearProperty("javax.net.ssl.trustStorePassword");
            S3TestServer.withdrawCredentialsFromThisJvm();
            LoopFilesystem.run("rm", "-rf", root.toString());
        }
    }

    /**
     * pgBackRest's three configurations, each with its stanza created. archive-push reads the stanza's identity from
     * pg_control; the server itself is not needed afterwards, and must not archive or recycle the segments itself.
     */
    private static Map<String, Path> stanzas(Path root, Path data, int s3Port) throws Exception {
        int port = startPostgres(root, data);
        Map<String, Path> pgBackRest = new LinkedHashMap<>();
        pgBackRest.put("pgBackRest 2.45 archive-push (gz)", pgBackRestConfig(root, s3Port, data, port, "gz", false));
        pgBackRest.put("pgBackRest 2.45 archive-push (zst)", pgBackRestConfig(root, s3Port, data, port, "zst", false));
        pgBackRest.put(
                "pgBackRest 2.45 archive-push, archive-async, process-max=" + PGBACKREST_PROCESSES + " (zst)",
                pgBackRestConfig(root, s3Port, data, port, "zst", true));
        for (Path config : pgBackRest.values()) {
            asPostgres("pgbackrest", "--config=" + config, "--stanza=bench", "stanza-create");
        }
        asPostgres(LocalCluster.PG_BIN.resolve("pg_ctl").toString(), "stop", "-m", "fast", "-D", data.toString());
        return pgBackRest;
    }

    /** Steward through the agent (socat and Java clients, with and without pushing ahead), and without an agent. */
    private static List<String> stewardRows(Path root, Path data, S3TestServer s3, Path keyStore, List<Path> segments)
            throws Exception {
        List<String> report = new ArrayList<>();
        URI https = URI.create("https://127.0.0.1:" + s3.securePort());
        Path socket = root.resolve("sock").resolve("wal.sock");
        Path fallbackConfig = WalFixtures.configFile(
                root,
                WalFixtures.storeSection(https, BUCKET).replace("attempt_timeout: 1s", "attempt_timeout: 60s")
                        + "\nprefix: in-process");
        Path script = StewardScript.install(
                root,
                fallbackConfig,
                Map.of(
                        "aws.accessKeyId",
                        S3TestServer.ACCESS_KEY,
                        "aws.secretAccessKey",
                        S3TestServer.SECRET_KEY,
                        "javax.net.ssl.trustStore",
                        keyStore.toString(),
                        "javax.net.ssl.trustStorePassword",
                        PASSWORD));
        Path dataReal = data.toRealPath();
        Path javaClient = StewardScript.install(
                root,
                "steward-java",
                fallbackConfig,
                Map.of(
                        "aws.accessKeyId",
                        S3TestServer.ACCESS_KEY,
                        "aws.secretAccessKey",
                        S3TestServer.SECRET_KEY,
                        "javax.net.ssl.trustStore",
                        keyStore.toString(),
                        "javax.net.ssl.trustStorePassword",
                        PASSWORD),
                Map.of("STEWARD_SOCAT", ""));
        record AgentRun(String client, Path script, int pushAhead) {}
        for (AgentRun agentRun : List.of(
                new AgentRun("socat", script, WalArchiveConfig.DEFAULT_PUSH_AHEAD),
                new AgentRun("socat", script, 0),
                new AgentRun("Java", javaClient, WalArchiveConfig.DEFAULT_PUSH_AHEAD))) {
            String prefix = "steward-" + agentRun.client() + "-" + agentRun.pushAhead();
            BackupStoreConfig agentConfig = new BackupStoreConfig(
                    BUCKET,
                    prefix,
                    BackupStoreConfig.Compression.ZSTD,
                    BackupStoreConfig.Encryption.AES256,
                    Optional.empty(),
                    Optional.of(https),
                    true,
                    Optional.of(S3TestServer.REGION),
                    3,
                    Duration.ofSeconds(60));
            try (WalSocketServer agent = new WalSocketServer(
                    socket,
                    new WalArchive(agentConfig, WalFixtures.CLUSTER, new MetricRegistry()),
                    () -> dataReal.resolve("pg_wal"),
                    FileOwner.lookup("postgres"),
                    agentRun.pushAhead())) {
                report.add(archiveAll(
                        "steward wal-push through the agent, " + agentRun.client() + " client, push_ahead "
                                + agentRun.pushAhead() + " (zstd)",
                        segments,
                        file -> List.of(
                                agentRun.script().toString(),
                                "wal-push",
                                file.toString(),
                                "--socket",
                                socket.toString())));
            }
            long stored =
                    s3.client().listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix(prefix + "/")).contents().stream()
                            .count();
            assertThat(stored).as("every segment archived by the agent").isEqualTo(segments.size());
            deleteAll(s3, prefix + "/");
        }
        List<Path> inProcess = segments.subList(0, Math.min(segments.size(), 20));
        report.add(archiveAll(
                "steward wal-push without an agent, a JVM per segment (zstd, " + inProcess.size() + " segments)",
                inProcess,
                file -> List.of(
                        script.toString(),
                        "wal-push",
                        file.toString(),
                        "--socket",
                        root.resolve("none.sock").toString())));
        return report;
    }

    /** The in-memory S3 server holds 4 GiB: the segments a finished row archived make room for the next row's. */
    private static void deleteAll(S3TestServer s3, String keyPrefix) {
        s3.client().listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix(keyPrefix)).contents().stream()
                .filter(object -> object.key().contains("/00000001"))
                .forEach(
                        object -> s3.client().deleteObject(r -> r.bucket(BUCKET).key(object.key())));
    }

    /**
     * Archives {@code segments} the way PostgreSQL's archiver does: each marked ready in {@code archive_status}, then
     * one command at a time, oldest first, and marked done once the command exits 0.
     */
    private static String archiveAll(String system, List<Path> segments, Function<Path, List<String>> command)
            throws Exception {
        Path status = Files.createDirectories(segments.get(0).resolveSibling("archive_status"));
        for (Path segment : segments) {
            Files.deleteIfExists(status.resolve(segment.getFileName() + ".done"));
            Files.writeString(status.resolve(segment.getFileName() + ".ready"), "");
        }
        run("chown", "-R", "postgres:postgres", status.toString());
        long start = System.nanoTime();
        for (Path segment : segments) {
            asPostgres(command.apply(segment).toArray(String[]::new));
            Files.move(
                    status.resolve(segment.getFileName() + ".ready"), status.resolve(segment.getFileName() + ".done"));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return String.format(
                "%s: %.2f segments/s (%.0f ms a segment)",
                system, segments.size() / seconds, seconds * 1000 / segments.size());
    }

    /** A PostgreSQL server for pgBackRest's stanza (it reads the system id and version from it). */
    private static int startPostgres(Path root, Path data) throws Exception {
        int port = FreePorts.next();
        Path run = Files.createDirectories(root.resolve("run"));
        Files.createDirectories(data);
        run("chown", "postgres:postgres", data.toString(), run.toString());
        asPostgres(
                LocalCluster.PG_BIN.resolve("initdb").toString(),
                "-D",
                data.toString(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync");
        asPostgres(
                LocalCluster.PG_BIN.resolve("pg_ctl").toString(),
                "start",
                "-w",
                "-D",
                data.toString(),
                "-l",
                root.resolve("run").resolve("postgres.log").toString(),
                "-o",
                "-p " + port + " -k " + run
                        + " -c listen_addresses='' -c archive_mode=on -c archive_command=/bin/true");
        return port;
    }

    private static Path pgBackRestConfig(
            Path root, int s3Port, Path data, int pgPort, String compression, boolean async) throws Exception {
        String name = compression + (async ? "-async" : "");
        Path dir = Files.createDirectories(root.resolve("pgbackrest-" + name));
        run("chown", "postgres:postgres", dir.toString());
        Path config = dir.resolve("pgbackrest.conf");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "[global]",
                        "repo1-type=s3",
                        "repo1-path=/pgbackrest-" + name,
                        "repo1-s3-bucket=" + BUCKET,
                        "repo1-s3-endpoint=127.0.0.1",
                        "repo1-storage-port=" + s3Port,
                        "repo1-storage-verify-tls=n",
                        "repo1-s3-region=" + S3TestServer.REGION,
                        "repo1-s3-uri-style=path",
                        "repo1-s3-key=" + S3TestServer.ACCESS_KEY,
                        "repo1-s3-key-secret=" + S3TestServer.SECRET_KEY,
                        "compress-type=" + compression,
                        "log-path=" + dir,
                        "lock-path=" + dir,
                        "spool-path=" + dir,
                        "log-level-console=warn",
                        "archive-async=" + (async ? "y" : "n"),
                        "process-max=" + (async ? PGBACKREST_PROCESSES : 1),
                        "",
                        "[bench]",
                        "pg1-path=" + data,
                        "pg1-port=" + pgPort,
                        "pg1-socket-path=" + root.resolve("run"),
                        ""));
        run("chown", "postgres:postgres", config.toString());
        return config;
    }

    private static void asPostgres(String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(List.of(command));
        run(full.toArray(String[]::new));
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
