package io.steward.it.backup;

import com.codahale.metrics.MetricRegistry;
import io.steward.backup.WalArchive;
import io.steward.backup.WalSocketServer;
import io.steward.config.WalArchiveConfig;
import io.steward.it.LocalCluster;
import io.steward.it.StewardScript;
import io.steward.it.aws.S3TestServer;
import io.steward.testing.FreePorts;
import io.steward.testing.LoopFilesystem;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code steward wal-push} against pgBackRest 2.45 {@code archive-push}, side by side in one run: the same 16 MiB
 * segments, one at a time as PostgreSQL archives them, as user postgres, to the same s3proxy over HTTPS. Run on
 * demand (surefire excludes {@code *Benchmark*}): {@code ./scripts/benchmark.sh wal}, or
 * {@code mvn -B -o verify -pl integration-tests -am -Dtest=WalPushBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * -Dwalbench.segments=200}. Needs {@code pgbackrest} (Debian's).
 */
class WalPushBenchmark {
    private static final String BUCKET = "bench";
    private static final String PASSWORD = "benchpass";

    @Test
    void stewardAgainstPgBackRest() throws Exception {
        int count = Integer.getInteger("walbench.segments", 200);
        Path root = Files.createTempDirectory(Path.of("/tmp"), "steward-walbench-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path keyStore = root.resolve("s3.jks");
        run(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "s3",
                "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1",
                "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        // the agent's S3 client trusts the test certificate; pgBackRest is told not to verify it
        System.setProperty("javax.net.ssl.trustStore", keyStore.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", PASSWORD);
        System.setProperty("aws.accessKeyId", S3TestServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3TestServer.SECRET_KEY);
        Path data = root.resolve("data");
        try (S3TestServer s3 = S3TestServer.startWithTls(keyStore, PASSWORD)) {
            s3.createBucket(BUCKET);
            Path segments = Files.createDirectories(root.resolve("segments"));
            List<Path> files = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                files.add(WalFixtures.writeWalLike(segments.resolve(WalFixtures.segmentName(1, i)), 16 << 20, i));
            }
            run("chown", "-R", "postgres:postgres", segments.toString());
            int port = startPostgres(root, data);

            List<String> report = new ArrayList<>();
            for (String compression : List.of("gz", "zst")) {
                Path config = pgBackRestConfig(root, s3.securePort(), data, port, compression);
                asPostgres("pgbackrest", "--config=" + config, "--stanza=bench", "stanza-create");
                long start = System.nanoTime();
                for (Path file : files) {
                    asPostgres("pgbackrest", "--config=" + config, "--stanza=bench", "--no-archive-header-check",
                            "archive-push", file.toString());
                }
                report.add(String.format("pgBackRest 2.45 archive-push (%s): %.2f segments/s", compression,
                        count / ((System.nanoTime() - start) / 1e9)));
            }

            URI https = URI.create("https://127.0.0.1:" + s3.securePort());
            WalArchiveConfig agentConfig = new WalArchiveConfig(true, BUCKET, "steward", WalArchiveConfig.Compression.ZSTD,
                    WalArchiveConfig.Encryption.AES256, Optional.empty(), Optional.of(https), true,
                    Optional.of(S3TestServer.REGION), 3, Duration.ofSeconds(60), Optional.empty());
            Path socket = root.resolve("sock").resolve("wal.sock");
            Path fallbackConfig = WalFixtures.configFile(root, WalFixtures.walSection(https, BUCKET)
                    .replace("attempt_timeout: 1s", "attempt_timeout: 60s") + "\nprefix: in-process");
            Path script = StewardScript.install(root, fallbackConfig, Map.of("aws.accessKeyId", S3TestServer.ACCESS_KEY,
                    "aws.secretAccessKey", S3TestServer.SECRET_KEY, "javax.net.ssl.trustStore", keyStore.toString(),
                    "javax.net.ssl.trustStorePassword", PASSWORD));
            Path segmentsReal = segments.toRealPath();
            try (WalSocketServer agent = new WalSocketServer(socket, new WalArchive(agentConfig, WalFixtures.CLUSTER,
                    new MetricRegistry()), () -> List.of(segmentsReal), Optional.of(FileSystems.getDefault()
                    .getUserPrincipalLookupService().lookupPrincipalByName("postgres")))) {
                long start = System.nanoTime();
                for (Path file : files) {
                    asPostgres(script.toString(), "wal-push", file.toString(), "--socket", socket.toString());
                }
                report.add(String.format("steward wal-push through the agent (zstd): %.2f segments/s",
                        count / ((System.nanoTime() - start) / 1e9)));
            }
            int inProcess = Math.min(count, 20);
            long start = System.nanoTime();
            for (Path file : files.subList(0, inProcess)) {
                asPostgres(script.toString(), "wal-push", file.toString(), "--socket", root.resolve("none.sock").toString());
            }
            report.add(String.format("steward wal-push without an agent, a JVM per segment (zstd, %d segments): %.2f segments/s",
                    inProcess, inProcess / ((System.nanoTime() - start) / 1e9)));
            long stored = s3.client().listObjectsV2Paginator(r -> r.bucket(BUCKET)).contents().stream()
                    .filter(o -> o.key().startsWith("steward/")).count();
            assertThat(stored).as("every segment archived by the agent").isEqualTo(count);
            System.out.println("wal push benchmark, " + count + " x 16 MiB:\n  " + String.join("\n  ", report));
        } finally {
            if (Files.exists(data.resolve("postmaster.pid"))) {
                asPostgres(LocalCluster.PG_BIN.resolve("pg_ctl").toString(), "stop", "-m", "immediate", "-D", data.toString());
            }
            System.clearProperty("javax.net.ssl.trustStore");
            System.clearProperty("javax.net.ssl.trustStorePassword");
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
            LoopFilesystem.run("rm", "-rf", root.toString());
        }
    }

    /** A PostgreSQL server for pgBackRest's stanza (it reads the system id and version from it). */
    private static int startPostgres(Path root, Path data) throws Exception {
        int port = FreePorts.next();
        Path run = Files.createDirectories(root.resolve("run"));
        Files.createDirectories(data);
        run("chown", "postgres:postgres", data.toString(), run.toString());
        asPostgres(LocalCluster.PG_BIN.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "postgres",
                "--no-sync");
        asPostgres(LocalCluster.PG_BIN.resolve("pg_ctl").toString(), "start", "-w", "-D", data.toString(), "-l",
                root.resolve("run").resolve("postgres.log").toString(), "-o",
                "-p " + port + " -k " + run + " -c listen_addresses='' -c archive_mode=on -c archive_command=/bin/true");
        return port;
    }

    private static Path pgBackRestConfig(Path root, int s3Port, Path data, int pgPort, String compression) throws Exception {
        Path dir = Files.createDirectories(root.resolve("pgbackrest-" + compression));
        run("chown", "postgres:postgres", dir.toString());
        Path config = dir.resolve("pgbackrest.conf");
        Files.writeString(config, String.join("\n",
                "[global]",
                "repo1-type=s3",
                "repo1-path=/pgbackrest-" + compression,
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
