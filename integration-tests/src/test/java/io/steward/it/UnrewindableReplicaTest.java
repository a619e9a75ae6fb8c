package io.steward.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.coordination.Json;
import io.steward.it.LocalCluster.Node;
import io.steward.testing.LoopFilesystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 (f): the deposed primary cannot be rewound (pg_rewind here fails as it does when the WAL it needs is gone:
 * a failure that will not pass). Moving the data directory aside and cloning again doubles what it takes on disk, so
 * it is done only when the operator allowed it beforehand and the filesystem has room; otherwise the node stays a
 * stopped replica, says why in {@code /health}, and waits for {@code steward reinitialize}.
 */
class UnrewindableReplicaTest {
    private static final Path POSTGRESQL_BIN = Path.of("/usr/lib/postgresql/15/bin");
    private Path bin;

    /** PostgreSQL's binaries, but a pg_rewind that fails the way a lost WAL segment makes it fail, and counts calls. */
    @BeforeEach
    void failingRewind() throws IOException {
        bin = Files.createTempDirectory(Path.of("/tmp"), "steward-rewind-bin-");
        try (Stream<Path> binaries = Files.list(POSTGRESQL_BIN)) {
            for (Path binary : binaries.toList()) {
                if (!binary.getFileName().toString().equals("pg_rewind")) {
                    Files.createSymbolicLink(bin.resolve(binary.getFileName()), binary);
                }
            }
        }
        Path rewind = Files.writeString(
                bin.resolve("pg_rewind"),
                String.join(
                        "\n",
                        "#!/bin/sh",
                        "echo call >> \"" + bin.resolve("rewind-calls") + "\"",
                        "echo 'pg_rewind: error: could not find previous WAL record at 0/3000060' >&2",
                        "exit 1",
                        ""));
        Files.setPosixFilePermissions(rewind, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    @AfterEach
    void removeBin() throws IOException {
        LoopFilesystem.run("rm", "-rf", bin.toString());
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void byDefaultTheUnrewindableNodeWaitsForAnOperatorAndIsClonedWhenAsked() throws Exception {
        LocalCluster.Options options = LocalCluster.Options.defaults()
                .withNodes(2)
                .withEnvironment(Map.of("STEWARD_POSTGRESQL_BIN_DIR", bin.toString()));
        try (LocalCluster cluster = LocalCluster.start(options)) {
            Node old = cluster.node("pg1");
            depose(cluster);

            String reason = awaitFailingReason(old, "automatic reinitialise is off");
            assertThat(reason).contains("could not find previous WAL record").contains("steward reinitialize");
            assertStaysStoppedAndUntouched(old);

            // the operator's way out: steward reinitialize, through the launcher an operator runs
            ProcessBuilder launcher = new ProcessBuilder(
                            System.getProperty("steward.launcher"), "reinitialize", "--force", "--api", old.apiUrl())
                    .redirectErrorStream(true);
            launcher.environment().put("STEWARD_ADMIN_TOKEN", LocalCluster.TOKEN);
            launcher.environment()
                    .put(
                            "STEWARD_JAVA",
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString());
            launcher.environment().put("STEWARD_CLASSPATH", System.getProperty("java.class.path"));
            launcher.environment().put("STEWARD_JAVA_OPTS", "-Dlogback.configurationFile=logback.xml");
            Process reinitialize = launcher.start();
            assertThat(reinitialize.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(reinitialize.exitValue())
                    .as(new String(reinitialize.getInputStream().readAllBytes()))
                    .isZero();
            cluster.awaitAllStreaming();
            assertThat(old.isStreamingReplica()).isTrue();
            assertThat(asideOf(old)).as("the old data directory, moved aside").hasSize(1);
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void withTheOptInButTooLittleRoomNothingIsMovedAsideAndTheReasonIsShown() throws Exception {
        List<LoopFilesystem> volumes = new java.util.concurrent.CopyOnWriteArrayList<>();
        LocalCluster.Options options = LocalCluster.Options.defaults()
                .withNodes(2)
                .withEnvironment(Map.of("STEWARD_POSTGRESQL_BIN_DIR", bin.toString()))
                .withExtraYaml("  reinitialize_on_rewind_failure: true")
                .withStorage(dir -> {
                    // the data directory on a small filesystem of its own
                    LoopFilesystem volume = LoopFilesystem.create(dir, dir.resolve("data"));
                    LoopFilesystem.run(
                            "chown", "postgres:postgres", volume.mountPoint().toString());
                    LoopFilesystem.run("chmod", "700", volume.mountPoint().toString());
                    volumes.add(volume);
                    return volume;
                });
        try (LocalCluster cluster = LocalCluster.start(options)) {
            Node old = cluster.node("pg1");
            Node successor = depose(cluster, () -> {
                // fill pg1's filesystem while its agent is down: a second copy cannot fit beside the first any more
                Path filler = old.dataDir().resolve("filler.bin");
                long free = Files.getFileStore(old.dataDir()).getUsableSpace();
                LoopFilesystem.run("fallocate", "-l", Long.toString(free - (8L << 20)), filler.toString());
            });
            assertThat(successor.name()).isEqualTo("pg2");

            String reason = awaitFailingReason(old, "not reinitialising");
            assertThat(reason).contains("free on its filesystem, which has");
            assertStaysStoppedAndUntouched(old);
        }
    }

    private Node depose(LocalCluster cluster) throws Exception {
        return depose(cluster, () -> {});
    }

    /** The first primary lost, its successor taking writes, then the old primary's agent back. */
    private Node depose(LocalCluster cluster, ThrowingRunnable whileDown) throws Exception {
        Node old = cluster.node("pg1");
        assertThat(cluster.awaitPrimary()).isSameAs(old);
        old.killNode();
        Node successor = cluster.awaitNewPrimary(old);
        try (java.sql.Connection c = successor.connect()) {
            // the new primary's history moves on: the old one's diverged from it
            c.createStatement().execute("CREATE TABLE after_failover AS SELECT 1 AS x");
        }
        whileDown.run();
        old.startAgent();
        return successor;
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static String awaitFailingReason(Node node, String containing) {
        return await(node.name() + " saying why it does not rejoin")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> health(node).path("failingAction").path("reason").asText(), r -> r.contains(containing));
    }

    /** A stopped replica, rewound once and not again, its data directory where it was: waiting for an operator. */
    private void assertStaysStoppedAndUntouched(Node node) throws Exception {
        long calls = rewindCalls();
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < until) {
            assertThat(node.serverPid()).as("%s's server", node.name()).isEmpty();
            assertThat(health(node).path("failingAction").path("reason").asText())
                    .isNotEmpty();
            Thread.sleep(500);
        }
        assertThat(rewindCalls()).as("pg_rewind tried again every tick").isEqualTo(calls);
        assertThat(asideOf(node)).as("data directories moved aside").isEmpty();
        assertThat(Files.exists(node.dataDir().resolve("PG_VERSION"))).isTrue();
    }

    private long rewindCalls() throws IOException {
        Path calls = bin.resolve("rewind-calls");
        return Files.exists(calls) ? Files.readAllLines(calls).size() : 0;
    }

    private static List<Path> asideOf(Node node) throws IOException {
        try (Stream<Path> siblings = Files.list(node.dataDir().getParent())) {
            return siblings.filter(p -> p.getFileName().toString().startsWith("data.reinit-"))
                    .toList();
        }
    }

    private static JsonNode health(Node node) throws IOException {
        Optional<java.net.http.HttpResponse<String>> response = node.get("/health");
        return Json.mapper().readTree(response.orElseThrow().body());
    }
}
