package io.steward.it.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.Database;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import io.steward.it.WriteLoad;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 4, scenario (c): the book's chain topology on three real redis-servers. The primary is the head; the others
 * follow in name order, each replicating from the one before it.
 */
class RedisChainTest {
    private static final LocalCluster.Options CHAIN =
            LocalCluster.Options.defaults().withDatabase(Database.REDIS).withExtraYaml("  topology: chain");
    private static final Pattern MASTER_PORT = Pattern.compile("master_port:(\\d+)");

    /**
     * The middle node is lost (agent and server): once ZooKeeper drops it, the tail re-points to its grand-master,
     * the head; when the middle node comes back, it rejoins behind the head and the tail moves behind it again.
     */
    @Test
    void theTailSkipsALostMiddleNodeAndTheChainHealsWhenItReturns() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(CHAIN)) {
            List<Node> chain = awaitChain(cluster);
            Node head = chain.get(0);
            Node middle = chain.get(1);
            Node tail = chain.get(2);
            writeAndAwait(head, "before", List.of(middle, tail));

            middle.killNode();

            await("the tail re-pointed to the head")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> upstreamPort(tail)
                                    .filter(p -> p == head.databasePort())
                                    .isPresent()
                            && linkUp(tail));
            writeAndAwait(head, "while-middle-is-gone", List.of(tail));

            middle.startAgent();

            assertThat(awaitChain(cluster)).containsExactly(head, middle, tail);
            writeAndAwait(head, "healed", List.of(middle, tail));
        }
    }

    /**
     * The head's redis-server is SIGKILLed under writes: a replica takes over as the new head, the chain re-forms in
     * name order behind it with the old head back in as a replica, and no two nodes acknowledged writes at once.
     */
    @Test
    void aKilledHeadIsReplacedAndTheChainReforms() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(CHAIN)) {
            Node old = awaitChain(cluster).get(0);
            Node next;
            try (WriteLoad load = WriteLoad.startRedis(cluster.nodes(), LocalCluster.SUPERUSER_PASSWORD)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 200);
                old.killServer();
                next = cluster.awaitNewPrimary(old);
                List<Node> reformed = awaitChain(cluster);
                assertThat(reformed.get(0)).isEqualTo(next);
                assertThat(reformed).contains(old);
                int before = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 200);
                load.close();
                assertThat(load.overlap())
                        .as("nodes acknowledging writes at the same time; spans: %s", load.spans())
                        .isEmpty();
            }
            writeAndAwait(
                    next,
                    "after-failover",
                    cluster.nodes().stream().filter(n -> n != next).toList());
        }
    }

    /**
     * Waits until the nodes form the chain the rules ask for (the primary, then the others by name, each streaming
     * from the one before it) and returns it, head first.
     */
    private static List<Node> awaitChain(LocalCluster cluster) {
        return await("the chain formed")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> chainOf(cluster), Optional::isPresent)
                .orElseThrow();
    }

    private static Optional<List<Node>> chainOf(LocalCluster cluster) {
        List<Node> primaries = cluster.primaries();
        if (primaries.size() != 1) {
            return Optional.empty();
        }
        List<Node> chain = new ArrayList<>(primaries);
        cluster.nodes().stream()
                .filter(n -> n != primaries.get(0))
                .sorted(Comparator.comparing(Node::name))
                .forEach(chain::add);
        for (int i = 1; i < chain.size(); i++) {
            Node node = chain.get(i);
            int expected = chain.get(i - 1).databasePort();
            if (!(upstreamPort(node).filter(p -> p == expected).isPresent() && linkUp(node))) {
                return Optional.empty();
            }
        }
        return Optional.of(chain);
    }

    private static Optional<Integer> upstreamPort(Node node) {
        try {
            Matcher port =
                    MASTER_PORT.matcher(node.onRedis(redis -> redis.sync().info("replication")));
            return port.find() ? Optional.of(Integer.parseInt(port.group(1))) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean linkUp(Node node) {
        try {
            return node.onRedis(redis -> redis.sync().info("replication")).contains("master_link_status:up");
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void writeAndAwait(Node primary, String key, List<Node> replicas) {
        primary.onRedis(redis -> redis.sync().mset(Map.of(key, primary.name(), key + ":n", "1")));
        for (Node replica : replicas) {
            await(key + " on " + replica)
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> primary.name()
                            .equals(replica.onRedis(redis -> redis.sync().get(key))));
        }
    }
}
