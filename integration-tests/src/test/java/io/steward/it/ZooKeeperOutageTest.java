package io.steward.it;

import static io.steward.it.ClusterAssertions.assertNoAcknowledgedWriteLost;
import static io.steward.it.ClusterAssertions.assertNoOverlappingPrimaries;
import static io.steward.it.ClusterAssertions.cluster;
import static io.steward.it.ClusterAssertions.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.it.LocalCluster.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 (c): the whole ZooKeeper ensemble is down. A ZooKeeper outage must not become a database outage: without
 * failsafe mode the primary demotes to a read-only standby (reads go on everywhere, nobody is promoted) and takes writes
 * again soon after the ensemble is back; with failsafe mode it goes on taking writes throughout, for as long as every
 * member confirms; with one member unreachable too, it demotes.
 */
class ZooKeeperOutageTest {
    /**
     * More than twice the agents' ZooKeeper session (5 s), and than the 4/3 of it after which a server expires a session
     * itself: every client gives its session up meanwhile, with room to spare on a loaded machine.
     */
    private static final Duration OUTAGE = Duration.ofSeconds(12);

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void withoutFailsafeThePrimaryDemotesReadsGoOnAndWritesComeBackSoonAfterTheEnsemble() throws Exception {
        try (LocalCluster cluster =
                LocalCluster.start(LocalCluster.Options.defaults().synchronousMode())) {
            Node primary = cluster.awaitPrimary();
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
                long down = System.nanoTime();
                cluster.zookeeper().stopAll();

                await("every server read-only within the session timeout")
                        .atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(100))
                        .ignoreExceptions()
                        .until(() -> allReadOnly(cluster));
                long demoted = System.nanoTime();
                long acknowledgedBefore = load.count();
                // reads go on everywhere, and nobody is promoted, for the rest of the outage
                while (System.nanoTime() - down < OUTAGE.toNanos()) {
                    for (Node node : cluster.nodes()) {
                        assertThat(count(node, "acked"))
                                .as("rows %s serves during the outage", node.name())
                                .isPositive();
                    }
                    assertThat(allReadOnly(cluster)).isTrue();
                    Thread.sleep(500);
                }
                assertThat(load.acks())
                        .as("writes acknowledged while every server was read-only")
                        .noneMatch(ack -> ack.sentNanos() > demoted);
                assertThat(load.count()).isEqualTo(acknowledgedBefore);

                long back = System.nanoTime();
                cluster.zookeeper().startAll();
                WriteLoad.Ack again = await("writes acknowledged again after the ensemble's return")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100))
                        .until(
                                () -> load.acks().stream()
                                        .filter(ack -> ack.sentNanos() > back)
                                        .findFirst(),
                                Optional::isPresent)
                        .orElseThrow();
                long seconds = TimeUnit.NANOSECONDS.toMillis(again.ackNanos() - back);
                assertThat(seconds)
                        .as("ms from the ensemble's return to the first acknowledged write")
                        .isLessThan(10_000);
                int after = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > after + 50);
                load.close();
                assertNoOverlappingPrimaries(load);
                cluster.awaitAllStreaming();
                Node now = cluster.awaitPrimary();
                assertNoAcknowledgedWriteLost(load, now);
                // the old primary, which has every write, takes its own lease back rather than force a failover
                assertThat(now).isSameAs(primary);
            }
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void withFailsafeThePrimaryTakesWritesThroughoutWhileEveryMemberConfirms() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node primary = cluster.awaitPrimary();
            turnFailsafeOn(cluster, primary);
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
                long down = System.nanoTime();
                cluster.zookeeper().stopAll();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> health(primary).path("failsafe").asText().startsWith("active"));
                Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(down + OUTAGE.toNanos() - System.nanoTime())));
                long back = System.nanoTime();
                cluster.zookeeper().startAll();
                await().atMost(Duration.ofSeconds(60)).until(() -> epochFrom(primary) > 1);
                long watchedUntil = back + Duration.ofSeconds(10).toNanos();
                await().atMost(Duration.ofSeconds(60)).until(() -> System.nanoTime() > watchedUntil);
                load.close();

                assertNoOverlappingPrimaries(load);
                assertThat(load.spans()).extracting(WriteLoad.Span::node).containsExactly(primary.name());
                assertThat(longestGapMillis(load.acks(), down, watchedUntil))
                        .as("longest time without an acknowledged write, from the outage to 10 s after it")
                        .isLessThan(2_000);
                assertThat(Files.readString(primary.agentLog()))
                        .contains("failsafe mode: every member")
                        .contains("took over this agent's own lease");
            }
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void withFailsafeAndAMemberThatDoesNotAnswerThePrimaryDemotes() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node primary = cluster.awaitPrimary();
            turnFailsafeOn(cluster, primary);
            Node silent = cluster.nodes().stream()
                    .filter(n -> n != primary)
                    .findFirst()
                    .orElseThrow();
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
                silent.pauseAgent();
                try {
                    cluster.zookeeper().stopAll();
                    await("the primary read-only")
                            .atMost(Duration.ofSeconds(20))
                            .pollInterval(Duration.ofMillis(100))
                            .ignoreExceptions()
                            .until(() -> "t".equals(primary.queryOne("SELECT pg_is_in_recovery()")));
                    assertThat(Files.readString(primary.agentLog()))
                            .contains("not every member confirmed (" + silent.name());
                } finally {
                    silent.resumeAgent();
                    cluster.zookeeper().startAll();
                }
                load.close();
                assertNoOverlappingPrimaries(load);
            }
            cluster.awaitAllStreaming();
        }
    }

    /** Sets failsafe mode cluster-wide and waits until the primary has recorded whom it counts on. */
    private static void turnFailsafeOn(LocalCluster cluster, Node primary) throws Exception {
        assertThat(primary.post("/settings", "{\"failsafe_mode\": true}", Optional.of(LocalCluster.TOKEN))
                        .statusCode())
                .isEqualTo(202);
        await("the primary's failsafe record")
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> {
                    JsonNode failsafe = cluster(primary).path("failsafe");
                    return failsafe.path("leader").asText().equals(primary.name())
                            && failsafe.path("members").size() == 2;
                });
    }

    private static boolean allReadOnly(LocalCluster cluster) throws SQLException {
        for (Node node : cluster.nodes()) {
            if (!"t".equals(node.queryOne("SELECT pg_is_in_recovery()"))) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode health(Node node) throws IOException {
        return io.steward.coordination.Json.mapper()
                .readTree(node.get("/health").orElseThrow().body());
    }

    private static long epochFrom(Node node) {
        try {
            return cluster(node).path("epoch").asLong();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The longest stretch between two acknowledgements (or the window's ends) inside [from, to]. */
    private static long longestGapMillis(List<WriteLoad.Ack> acks, long from, long to) {
        long previous = from;
        long longest = 0;
        for (WriteLoad.Ack ack : acks.stream()
                .filter(a -> a.ackNanos() >= from && a.ackNanos() <= to)
                .sorted(java.util.Comparator.comparingLong(WriteLoad.Ack::ackNanos))
                .toList()) {
            longest = Math.max(longest, ack.ackNanos() - previous);
            previous = ack.ackNanos();
        }
        return TimeUnit.NANOSECONDS.toMillis(Math.max(longest, to - previous));
    }
}
