package io.steward.it.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.SetArgs;
import io.steward.it.Database;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Redis server's metrics as an operator reads them: {@code GET /metrics} of real agents on a real Redis cluster. */
class RedisMetricsTest {
    private static final Duration A_FEW_TICKS = Duration.ofSeconds(20);

    @Test
    void eachAgentReportsItsOwnServer() throws Exception {
        try (LocalCluster cluster =
                LocalCluster.start(LocalCluster.Options.defaults().withDatabase(Database.REDIS))) {
            Node primary = cluster.awaitPrimary();
            List<Node> replicas =
                    cluster.nodes().stream().filter(n -> n != primary).toList();

            for (Node node : cluster.nodes()) {
                // each agent's first CONNECTED came before its loop listened: the gauge must show it all the same
                await(node + "'s ZooKeeper gauges")
                        .atMost(A_FEW_TICKS)
                        .untilAsserted(() -> assertThat(metrics(node, "steward_zookeeper_"))
                                .containsEntry("steward_zookeeper_connected", 1.0));
            }
            await("the primary's metrics").atMost(A_FEW_TICKS).untilAsserted(() -> {
                Map<String, Double> metrics = metrics(primary, "steward_redis_");
                assertThat(metrics)
                        .containsEntry("steward_redis_up", 1.0)
                        .containsEntry("steward_redis_role", 2.0)
                        .containsEntry("steward_redis_connected_replicas", 2.0)
                        .containsEntry("steward_redis_aof_enabled", 1.0)
                        .containsKeys(
                                "steward_redis_used_memory_bytes",
                                "steward_redis_slowlog_length",
                                "steward_redis_aof_current_size_bytes")
                        .as("no link to a primary on the primary")
                        .doesNotContainKey("steward_redis_master_link_up");
            });
            for (Node replica : replicas) {
                await(replica + "'s metrics")
                        .atMost(A_FEW_TICKS)
                        .untilAsserted(() -> assertThat(metrics(replica, "steward_redis_"))
                                .containsEntry("steward_redis_role", 1.0)
                                .containsEntry("steward_redis_master_link_up", 1.0)
                                .containsEntry("steward_redis_master_link_down_seconds", 0.0));
            }

            Map<Node, Double> offsets = new HashMap<>();
            for (Node node : cluster.nodes()) {
                offsets.put(
                        node, metric(node, "steward_redis_replication_offset").orElseThrow());
            }
            primary.onRedis(redis -> {
                for (int i = 0; i < 100; i++) {
                    redis.sync().set("item:" + i, "value " + i);
                }
                redis.sync().select(2);
                for (int i = 0; i < 7; i++) {
                    redis.sync().set("other:" + i, "value " + i);
                }
                return null;
            });
            for (Node node : cluster.nodes()) {
                await(node + " counts the keys per database")
                        .atMost(A_FEW_TICKS)
                        .untilAsserted(() -> assertThat(metrics(node, "steward_redis_"))
                                .containsEntry("steward_redis_db0_keys", 100.0)
                                .containsEntry("steward_redis_db2_keys", 7.0)
                                .containsEntry("steward_redis_db0_expires", 0.0));
                await(node + "'s replication offset advances")
                        .atMost(A_FEW_TICKS)
                        .until(() ->
                                metric(node, "steward_redis_replication_offset").orElse(0.0) > offsets.get(node));
            }

            double expiredBefore = metric(primary, "steward_redis_expired_keys").orElseThrow();
            primary.onRedis(redis -> {
                for (int i = 0; i < 10; i++) {
                    redis.sync().set("short-lived:" + i, "gone soon", SetArgs.Builder.px(200));
                }
                return null;
            });
            await("keys with a short TTL counted as expired on the primary")
                    .atMost(A_FEW_TICKS)
                    .until(() -> metric(primary, "steward_redis_expired_keys").orElse(0.0) >= expiredBefore + 10);
            assertThat(metric(primary, "steward_redis_db0_keys")).contains(100.0);
        }
    }

    private static Optional<Double> metric(Node node, String name) {
        return Optional.ofNullable(metrics(node, "steward_redis_").get(name));
    }

    /** The samples of the Prometheus text exposition named {@code prefix}..., by name; an unknown value has none. */
    private static Map<String, Double> metrics(Node node, String prefix) {
        String body = node.get("/metrics")
                .filter(response -> response.statusCode() == 200)
                .orElseThrow(() -> new AssertionError(node + " does not answer GET /metrics"))
                .body();
        Map<String, Double> samples = new HashMap<>();
        body.lines().filter(line -> line.startsWith(prefix)).forEach(line -> {
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        });
        return samples;
    }
}
