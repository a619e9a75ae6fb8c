package io.steward.it;

import static io.steward.it.ClusterAssertions.assertNoOverlappingPrimaries;
import static io.steward.it.ClusterAssertions.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.coordination.Json;
import io.steward.it.LocalCluster.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 (e): the node about to be promoted cannot start its fence guard (here its log file cannot be opened), so
 * nothing would stop its server should its agent die. It must not become primary: it gives the lease up, says why,
 * and stands aside; another member takes over.
 */
class GuardFailureTest {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aNodeWhoseGuardCannotStartGivesTheLeaseUpAndAnotherTakesOver() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node old = cluster.node("pg1");
            assertThat(cluster.awaitPrimary()).isSameAs(old);
            // every replica at the same position: pg2 is the first candidate by name
            Node unguarded = cluster.node("pg2");
            Node other = cluster.node("pg3");
            Path guardLog = unguarded.dataDir().resolveSibling("state").resolve("fence-guard.log");
            Files.deleteIfExists(guardLog);
            Files.createDirectories(guardLog); // a directory cannot be opened for appending: the guard cannot start

            AtomicReference<String> failing = new AtomicReference<>();
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 50);
                old.killNode();
                await("pg2 reporting why it could not lead")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(50))
                        .ignoreExceptions()
                        .until(() -> {
                            JsonNode reason =
                                    health(unguarded).path("failingAction").path("reason");
                            if (reason.asText().contains("could not start the fence guard")) {
                                failing.set(reason.asText());
                            }
                            return failing.get() != null;
                        });
                Node successor = cluster.awaitNewPrimary(old);
                int before = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 50);
                load.close();

                assertThat(successor).isSameAs(other);
                assertThat(failing.get()).contains("gave up the lease");
                assertNoOverlappingPrimaries(load);
                JsonNode standing = member(cluster(other), "pg2").path("standingAside");
                assertThat(standing.asText()).contains("could not start the fence guard");
                assertThat(Files.readString(unguarded.agentLog()))
                        .contains("giving up the lease")
                        .contains("standing aside");
            }
        }
    }

    private static JsonNode health(Node node) throws java.io.IOException {
        return Json.mapper().readTree(node.get("/health").orElseThrow().body());
    }

    private static JsonNode member(JsonNode cluster, String name) {
        for (JsonNode member : cluster.path("members")) {
            if (member.path("name").asText().equals(name)) {
                return member;
            }
        }
        throw new AssertionError("no member " + name + " in " + cluster);
    }
}
