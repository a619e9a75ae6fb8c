package io.steward.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.testing.LoopFilesystem;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A replica's first copy of the primary (pg_basebackup) shows in its {@code GET /health} while it runs, as bytes
 * copied of the estimated total, and in its log now and then; once it streams, the progress is gone.
 */
class CloneProgressTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** About 200 MB at 25 MB/s: a copy of several seconds, long enough to be seen. */
    private static final String MAX_RATE = "25M";

    @Test
    void aCloningReplicaReportsHowFarItsCopyHasCome() throws Exception {
        Path bin = slowCopyBinaries();
        try (LocalCluster cluster = LocalCluster.prepare(LocalCluster.Options.defaults()
                .withNodes(2)
                .withEnvironment(Map.of("STEWARD_POSTGRESQL_BIN_DIR", bin.toString())))) {
            LocalCluster.Node primary = cluster.nodes().get(0);
            LocalCluster.Node replica = cluster.nodes().get(1);
            primary.startAgent();
            cluster.awaitPrimary();
            try (Connection db = primary.connect();
                    Statement statement = db.createStatement()) {
                statement.execute("CREATE TABLE filler AS SELECT repeat(md5(i::text), 30) AS pad "
                        + "FROM generate_series(1, 200000) AS i");
            }

            replica.startAgent();
            List<JsonNode> seen = new CopyOnWriteArrayList<>();
            await("the replica shows its copy's progress")
                    .atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        progress(replica).ifPresent(seen::add);
                        return !seen.isEmpty();
                    });
            await("the replica streams").atMost(Duration.ofMinutes(3)).until(replica::isStreamingReplica);

            JsonNode first = seen.get(0);
            assertThat(first.path("action").asText()).isEqualTo("cloning from " + primary.name());
            assertThat(first.path("unit").asText()).isEqualTo("bytes");
            assertThat(first.path("total").asLong()).isGreaterThan(150L * 1024 * 1024);
            assertThat(first.path("percent").asInt()).isBetween(0, 100);
            assertThat(progress(replica))
                    .as("no progress once the copy is done")
                    .isEmpty();
            List<Integer> logged = loggedPercentages(replica.agentLog());
            assertThat(logged).as("the log tells how far the copy came").isNotEmpty();
            assertThat(logged).isSorted();
        } finally {
            LoopFilesystem.run("rm", "-rf", bin.toString());
        }
    }

    /** PostgreSQL's programs, but pg_basebackup copies at {@link #MAX_RATE}. */
    private static Path slowCopyBinaries() throws IOException {
        Path bin = Files.createTempDirectory(Path.of("/tmp"), "steward-slowcopy-bin-");
        try (Stream<Path> binaries = Files.list(LocalCluster.PG_BIN)) {
            for (Path binary : binaries.toList()) {
                if (!binary.getFileName().toString().equals("pg_basebackup")) {
                    Files.createSymbolicLink(bin.resolve(binary.getFileName()), binary);
                }
            }
        }
        Path basebackup = Files.writeString(
                bin.resolve("pg_basebackup"),
                String.join(
                        "\n",
                        "#!/bin/sh",
                        "exec \"" + LocalCluster.PG_BIN.resolve("pg_basebackup") + "\" --max-rate=" + MAX_RATE
                                + " \"$@\"",
                        ""));
        Files.setPosixFilePermissions(basebackup, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    private static Optional<JsonNode> progress(LocalCluster.Node node) throws IOException {
        Optional<HttpResponse<String>> health = node.get("/health");
        if (health.isEmpty()) {
            return Optional.empty();
        }
        JsonNode progress = JSON.readTree(health.get().body()).path("progress");
        return progress.isObject() ? Optional.of(progress) : Optional.empty();
    }

    private static List<Integer> loggedPercentages(Path agentLog) throws IOException {
        Pattern line = Pattern.compile("Clone from pg1: .*, (\\d+)%\\)");
        return Files.readAllLines(agentLog).stream()
                .map(line::matcher)
                .filter(Matcher::find)
                .map(m -> Integer.parseInt(m.group(1)))
                .toList();
    }
}
