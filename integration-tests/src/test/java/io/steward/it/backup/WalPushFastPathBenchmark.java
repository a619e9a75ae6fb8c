package io.steward.it.backup;

import static io.steward.it.backup.WalFixtures.CLUSTER;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.steward.files.FileOwner;
import io.steward.it.aws.S3TestServer;
import io.steward.postgres.wal.WalArchive;
import io.steward.postgres.wal.WalSocketServer;
import io.steward.store.BackupStoreConfig.Compression;
import io.steward.testing.LoopFilesystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java fast path of {@code steward wal-push}: the packaged launcher of an unpacked tarball, without socat
 * ({@code STEWARD_SOCAT=""}), so that every push starts a JVM that hands the segment to a running agent's socket.
 * PostgreSQL runs it once per 16 MiB segment, so what it loads and how long it takes is on the database's critical
 * path. Prints the classes one push loads ({@code -Xlog:class+load}, by source), and for {@code fastpath.runs} pushes
 * (20), each a new segment, the wall time (which includes the agent's upload) and the command's own CPU time (user +
 * system, which does not).
 *
 * <p>The tarball is this build's ({@code packaging/target/steward-<version>}); with {@code -Dfastpath.baseline=HOME},
 * the unpacked tarball of an earlier version, that version's command runs too, against the same agent (the socket
 * protocol is the same), one push of each in turn so that the machine's load treats both alike. On demand:
 * {@code mvn -B -o verify -pl integration-tests -am -Dtest=WalPushFastPathBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false [-Dfastpath.baseline=/tmp/before/packaging/target/steward-0.1.0-SNAPSHOT]}.
 */
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class WalPushFastPathBenchmark {
    private static final String BUCKET = "fastpath";

    /** One version's command: its script, and the script that also logs class loading. */
    private record Command(
            String label, Path timed, Path logged, Path classLog, List<Long> wallMillis, List<Long> cpuMillis) {}

    @Test
    void javaClientThroughTheAgent() throws Exception {
        int runs = Integer.getInteger("fastpath.runs", 20);
        Path root = Files.createTempDirectory(Path.of("/tmp"), "steward-fastpath-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path walDirectory = Files.createDirectories(root.resolve("data").resolve("pg_wal"));
        Path socket = root.resolve("run").resolve("wal.sock");
        S3TestServer.lendCredentialsToThisJvm();
        try (S3TestServer s3 = S3TestServer.start()) {
            s3.createBucket(BUCKET);
            // the old keys, which every version reads; the agent answers, so no command reads them anyway
            Path config = WalFixtures.configFile(root, "", WalFixtures.storeSection(s3.endpoint(), BUCKET));
            List<Command> commands = new ArrayList<>();
            commands.add(command("this build", thisBuildsTarball(), root, config));
            Optional<Path> baseline =
                    Optional.ofNullable(System.getProperty("fastpath.baseline")).map(Path::of);
            if (baseline.isPresent()) {
                commands.add(command("baseline " + baseline.get(), baseline.get(), root, config));
            }
            WalArchive archive = new WalArchive(
                    WalFixtures.config(s3.endpoint(), BUCKET, Compression.ZSTD, 2, Duration.ofSeconds(10)),
                    CLUSTER,
                    new MetricRegistry());
            try (WalSocketServer agent =
                    new WalSocketServer(socket, archive, () -> walDirectory, FileOwner.lookup("postgres"), 0)) {
                int segment = 0;
                for (Command command : commands) {
                    push(command.logged(), walDirectory, socket, segment++, root); // also warms the page cache
                }
                for (int i = 0; i < runs; i++) {
                    // one push of each in turn, the order swapped every round
                    for (int c = 0; c < commands.size(); c++) {
                        Command command = commands.get((c + i) % commands.size());
                        long start = System.nanoTime();
                        long cpu = push(command.timed(), walDirectory, socket, segment++, root);
                        command.wallMillis().add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                        command.cpuMillis().add(cpu);
                    }
                }
            }
            for (Command command : commands) {
                List<String> loaded = Files.readAllLines(command.classLog(), StandardCharsets.UTF_8);
                Map<String, Long> bySource = loaded.stream()
                        .collect(Collectors.groupingBy(
                                WalPushFastPathBenchmark::source, TreeMap::new, Collectors.counting()));
                System.out.printf(
                        "wal-push Java fast path, %s: %d classes loaded %s; %d runs: wall median %d ms "
                                + "(mean %.1f, min %d, max %d); the command's CPU median %d ms (mean %.1f)%n",
                        command.label(),
                        loaded.size(),
                        bySource,
                        runs,
                        median(command.wallMillis()),
                        mean(command.wallMillis()),
                        command.wallMillis().stream().min(Long::compare).orElseThrow(),
                        command.wallMillis().stream().max(Long::compare).orElseThrow(),
                        median(command.cpuMillis()),
                        mean(command.cpuMillis()));
                System.out.println("  steward classes loaded: "
                        + loaded.stream()
                                .filter(line -> line.contains(" io.steward."))
                                .map(line -> line.replaceAll("^.*\\] (\\S+) source: .*$", "$1"))
                                .sorted()
                                .toList());
                System.out.println("  jars they came from: "
                        + loaded.stream()
                                .filter(line -> line.contains(" io.steward.") && line.contains(" source: file:"))
                                .map(line -> line.replaceAll("^.* source: file:(\\S+)$", "$1"))
                                .distinct()
                                .sorted()
                                .toList());
            }
        } finally {
            S3TestServer.withdrawCredentialsFromThisJvm();
            LoopFilesystem.run("rm", "-rf", root.toString());
        }
    }

    /** The tarball's folder that the packaging module leaves beside the tarball. */
    private static Path thisBuildsTarball() throws IOException {
        try (Stream<Path> built = Files.list(Path.of(System.getProperty("steward.packaging"), "target"))) {
            return built.filter(Files::isDirectory)
                    .filter(dir -> dir.getFileName().toString().startsWith("steward-"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "no packaging/target/steward-*: build the " + "packaging module first"));
        }
    }

    /** The launcher of an unpacked tarball, as PostgreSQL runs it: {@code steward wal-push ... --config FILE}. */
    private static Command command(String label, Path home, Path root, Path config) throws Exception {
        String name = "steward-" + Integer.toHexString(home.hashCode());
        Path classLog = root.resolve(name + "-class-load.log");
        Path timed = script(root.resolve(name), home, config, "");
        Path logged = script(root.resolve(name + "-logged"), home, config, "-Xlog:class+load=info:file=" + classLog);
        return new Command(label, timed, logged, classLog, new ArrayList<>(), new ArrayList<>());
    }

    private static Path script(Path path, Path home, Path config, String javaOptions) throws Exception {
        Files.writeString(
                path,
                String.join(
                        "\n",
                        "#!/bin/sh",
                        "STEWARD_HOME='" + home + "' STEWARD_JAVA='"
                                + Path.of(System.getProperty("java.home"), "bin", "java")
                                + "' STEWARD_SOCAT='' STEWARD_JAVA_OPTS='" + javaOptions + "'",
                        "export STEWARD_HOME STEWARD_JAVA STEWARD_SOCAT STEWARD_JAVA_OPTS",
                        "exec '" + home.resolve("bin/steward") + "' \"$@\" --config '" + config + "'",
                        ""));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
    }

    /**
     * One push of a new 16 MiB segment, from the data directory as PostgreSQL runs it; it must go through the agent.
     *
     * @return the command's CPU time in milliseconds, user and system, as {@code time} measures it
     */
    private static long push(Path script, Path walDirectory, Path socket, int number, Path root) throws Exception {
        String name = WalFixtures.segmentName(1, 0x100 + number);
        WalFixtures.writeWalLike(walDirectory.resolve(name), 16 << 20, number);
        Path times = root.resolve("times");
        Process process = new ProcessBuilder(
                        "/usr/bin/time",
                        "-o",
                        times.toString(),
                        "-f",
                        "%U %S",
                        script.toString(),
                        "wal-push",
                        "pg_wal/" + name,
                        "--socket",
                        socket.toString())
                .directory(walDirectory.getParent().toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("steward wal-push (agent)");
        Files.delete(walDirectory.resolve(name));
        String[] userAndSystem = Files.readString(times).trim().split(" ");
        return Math.round((Double.parseDouble(userAndSystem[0]) + Double.parseDouble(userAndSystem[1])) * 1000);
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    private static double mean(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).average().orElse(0);
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
