package io.steward.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster.Node;
import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Scenarios (g) and (h): who must never be promoted, and when nothing must be promoted. */
class LagAndMaintenanceTest {

    @Test
    void replicaWithReplayPausedFarBehindIsNeverPromoted() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node primary = cluster.awaitPrimary();
            Node paused = cluster.nodes().stream()
                    .filter(n -> n != primary)
                    .findFirst()
                    .orElseThrow();
            Node healthy = cluster.nodes().stream()
                    .filter(n -> n != primary && n != paused)
                    .findFirst()
                    .orElseThrow();
            paused.queryOne("SELECT pg_wal_replay_pause()");
            try (Connection c = primary.connect()) {
                // Well past maximum_lag_on_failover (1 MiB).
                c.createStatement()
                        .execute(
                                "CREATE TABLE filler AS SELECT g, repeat('x', 500) AS pad FROM generate_series(1, 20000) g");
            }
            long primaryLsn = lsn(primary, "pg_current_wal_lsn()");
            await().atMost(Duration.ofSeconds(30)).until(() -> lsn(healthy, "pg_last_wal_replay_lsn()") >= primaryLsn);
            assertThat(primaryLsn - lsn(paused, "pg_last_wal_replay_lsn()")).isGreaterThan(1 << 20);

            primary.killAgent();
            primary.killServer();
            Node successor = cluster.awaitNewPrimary(primary);
            assertThat(successor).isSameAs(healthy);
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10)).until(() -> !paused.isPrimary());
        }
    }

    @Test
    void nothingIsPromotedInMaintenanceModeUntilItEnds() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node primary = cluster.awaitPrimary();
            Node other = cluster.nodes().stream()
                    .filter(n -> n != primary)
                    .findFirst()
                    .orElseThrow();
            assertThat(other.post("/maintenance", "{\"enabled\": true}", Optional.of(LocalCluster.TOKEN))
                            .statusCode())
                    .isEqualTo(202);
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            ClusterAssertions.cluster(other).path("maintenance").asBoolean());

            primary.killAgent();
            primary.killServer();
            // Three session timeouts: the lease is long gone, yet nobody takes it.
            await().during(Duration.ofSeconds(15))
                    .atMost(Duration.ofSeconds(25))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.primaries().isEmpty());
            assertThat(ClusterAssertions.cluster(other).path("leader").isNull()).isTrue();

            assertThat(other.post("/maintenance", "{\"enabled\": false}", Optional.of(LocalCluster.TOKEN))
                            .statusCode())
                    .isEqualTo(202);
            assertThat(cluster.awaitNewPrimary(primary)).isNotSameAs(primary);
        }
    }

    private static long lsn(Node node, String function) throws Exception {
        return Long.parseLong(node.queryOne("SELECT " + function + " - '0/0'::pg_lsn"));
    }
}
