package io.steward.it.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.Database;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import io.steward.it.WriteLoad;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 4, scenarios (a) and (b): three real redis-servers, each run by its own agent, on a real ZooKeeper ensemble. */
class RedisFailoverTest {
    private static final LocalCluster.Options REDIS =
            LocalCluster.Options.defaults().withDatabase(Database.REDIS);

    @Test
    void bootstrapsOnePrimaryWhoseKeysReachBothReplicas() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(REDIS)) {
            Node primary = cluster.awaitPrimary();
            primary.onRedis(redis -> {
                for (int i = 1; i <= 100; i++) {
                    redis.sync().set("item:" + i, "value " + i);
                }
                return null;
            });
            List<Node> replicas =
                    cluster.nodes().stream().filter(n -> n != primary).toList();
            assertThat(replicas).hasSize(2).allMatch(Node::isStreamingReplica);
            for (Node replica : replicas) {
                await("100 keys on " + replica)
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> replica.onRedis(redis -> redis.sync().dbsize()) == 100);
                assertThat(replica.<String>onRedis(redis -> redis.sync().get("item:42")))
                        .isEqualTo("value 42");
                assertThat(replica.<String>onRedis(redis -> redis.sync().info("replication")))
                        .contains("role:slave");
            }
        }
    }

    /**
     * The primary's redis-server is SIGKILLed under writes to every node: a replica takes over, the other follows it,
     * the killed node comes back as a replica of the new primary (never as a primary with what it reloaded), and no
     * two nodes ever acknowledged writes in overlapping spans of time.
     */
    @Test
    void aKilledPrimaryIsReplacedAndComesBackAsAReplica() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(REDIS)) {
            Node old = cluster.awaitPrimary();
            Node next;
            try (WriteLoad load = WriteLoad.startRedis(cluster.nodes(), LocalCluster.SUPERUSER_PASSWORD)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 200);
                long killedAt = System.nanoTime();
                old.killServer();
                next = cluster.awaitNewPrimary(old);
                await("writes again")
                        .atMost(Duration.ofSeconds(60))
                        .until(() ->
                                load.firstAckAfterOutageOf(old.name(), killedAt).isPresent());
                assertThat(load.firstAckAfterOutageOf(old.name(), killedAt)
                                .get()
                                .node())
                        .isEqualTo(next.name());
                cluster.awaitAllStreaming();
                int before = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 200);
                load.close();
                assertThat(load.overlap())
                        .as("nodes acknowledging writes at the same time; spans: %s", load.spans())
                        .isEmpty();
                assertThat(load.spans()).extracting(WriteLoad.Span::node).containsExactly(old.name(), next.name());
            }
            assertThat(old.isStreamingReplica()).isTrue();
            assertThat(old.<String>onRedis(redis -> redis.sync().info("replication")))
                    .contains("role:slave", "master_port:" + next.databasePort(), "master_link_status:up");
            next.onRedis(redis -> redis.sync().set("after-failover", next.name()));
            await("a write on the new primary reaches the old one")
                    .atMost(Duration.ofSeconds(30))
                    .until(() ->
                            next.name().equals(old.onRedis(redis -> redis.sync().get("after-failover"))));
        }
    }
}
