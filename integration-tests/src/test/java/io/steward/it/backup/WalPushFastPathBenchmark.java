package io.steward.it.backup;

import com.codahale.metrics.MetricRegistry;
import io.steward.backup.WalArchive;
import io.steward.backup.WalSocketServer;
import io.steward.config.BackupStoreConfig.Compression;
import io.steward.files.FileOwner;
import io.steward.it.StewardScript;
import io.steward.it.aws.S3TestServer;
import io.steward.testing.LoopFilesystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.steward.it.backup.WalFixtures.CLUSTER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Java fast path of {@code steward wal-push}: the shipped launcher without socat ({@code STEWARD_SOCAT=""}),
 * so that every push starts a JVM that hands the segment to a running agent's socket. PostgreSQL runs it once per
 * 16 MiB segment, so what it loads and how long it takes is on the database's critical path. Prints the classes
 * one push loads ({@code -Xlog:class+load}, by source) and the wall time of {@code fastpath.runs} pushes (20), each
 * a new segment. On demand: {@code mvn -B -o verify -pl integration-tests -am -Dtest=WalPushFastPathBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class WalPushFastPathBenchmark {
    private static final String BUCKET = "fastpath";

    @Test
    void javaClientThroughTheAgent() throws Exception {
        int runs = Integer.getInteger("fastpath.runs", 20);
        Path root = Files.createTempDirectory(Path.of("/tmp"), "steward-fastpath-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path walDirectory = Files.createDirectories(root.resolve("data").resolve("pg_wal"));
        Path socket = root.resolve("run").resolve("wal.sock");
        Path classLog = root.resolve("class-load.log");
        S3TestServer.lendCredentialsToThisJvm();
        try (S3TestServer s3 = S3TestServer.start()) {
            s3.createBucket(BUCKET);
            Map<String, String> credentials = Map.of("aws.accessKeyId", S3TestServer.ACCESS_KEY,
                    "aws.secretAccessKey", S3TestServer.SECRET_KEY);
            Path config = WalFixtures.configFile(root, WalFixtures.storeSection(s3.endpoint(), BUCKET)
                    .replace("attempt_timeout: 1s", "attempt_timeout: 10s"));
            Path timed = StewardScript.install(root, "steward-java", config, credentials, Map.of("STEWARD_SOCAT", ""));
            String options = "-Dlogback.configurationFile=logback.xml -Xlog:class+load=info:file=" + classLog + " "
                    + credentials.entrySet().stream().map(e -> "-D" + e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(" "));
            Path logged = StewardScript.install(root, "steward-logged", config, credentials,
                    Map.of("STEWARD_SOCAT", "", "STEWARD_JAVA_OPTS", options));
            WalArchive archive = new WalArchive(WalFixtures.config(s3.endpoint(), BUCKET, Compression.ZSTD, 2,
                    Duration.ofSeconds(10)), CLUSTER, new MetricRegistry());
            try (WalSocketServer agent = new WalSocketServer(socket, archive, () -> walDirectory,
                    FileOwner.lookup("postgres"), 0)) {
                push(logged, walDirectory, socket, 0); // also warms the page cache for the timed runs
                List<Long> millis = new ArrayList<>();
                for (int i = 1; i <= runs; i++) {
                    long start = System.nanoTime();
                    push(timed, walDirectory, socket, i);
                    millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
                List<String> loaded = Files.readAllLines(classLog, StandardCharsets.UTF_8);
                Map<String, Long> bySource = loaded.stream().collect(Collectors.groupingBy(
                        WalPushFastPathBenchmark::source, java.util.TreeMap::new, Collectors.counting()));
                List<Long> sorted = millis.stream().sorted().toList();
                System.out.printf("wal-push Java fast path: %d classes loaded %s; %d runs: median %d ms, mean %.1f ms, "
                                + "min %d ms, max %d ms, total %d ms%n", loaded.size(), bySource, runs,
                        sorted.get(sorted.size() / 2), millis.stream().mapToLong(Long::longValue).average().orElse(0),
                        sorted.get(0), sorted.get(sorted.size() - 1), millis.stream().mapToLong(Long::longValue).sum());
                System.out.println("steward classes loaded: " + loaded.stream().filter(line -> line.contains(" io.steward."))
                        .map(line -> line.replaceAll("^.*\\] (\\S+) source: .*$", "$1")).sorted().toList());
            }
        } finally {
            S3TestServer.withdrawCredentialsFromThisJvm();
            LoopFilesystem.run("rm", "-rf", root.toString());
        }
    }

    /** One push of a new 16 MiB segment, from the data directory as PostgreSQL runs it; it must go through the agent. */
    private static void push(Path script, Path walDirectory, Path socket, int number) throws Exception {
        String name = WalFixtures.segmentName(1, 0x100 + number);
        WalFixtures.writeWalLike(walDirectory.resolve(name), 16 << 20, number);
        Process process = new ProcessBuilder(script.toString(), "wal-push", "pg_wal/" + name, "--socket", socket.toString())
                .directory(walDirectory.getParent().toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("steward wal-push (agent)");
    }

    /** CDS archive, the runtime image, or a jar or folder of the class path. */
    private static String source(String line) {
        if (line.contains("source: shared objects file")) {
            return "cds";
        }
        if (line.contains("source: jrt:/")) {
            return "jrt";
        }
        return line.contains("source: ") ? "classpath" : "other";
    }
}
