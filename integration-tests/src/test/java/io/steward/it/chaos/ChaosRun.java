package io.steward.it.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.coordination.Json;
import io.steward.it.Database;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import io.steward.it.WriteLoad;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Faults in random order against a cluster with a write loop on every node (a new connection per write, each
 * acknowledgement recorded with its node and time), one fault at a time, each once the cluster is whole again. What
 * it finds per fault: how long until a write was acknowledged again, acknowledged writes that are not on the final
 * primary, and stints of two nodes acknowledging writes at the same time.
 */
final class ChaosRun {
    /** A primary's client is acknowledged every few ms: a pause longer than this ends its stint as primary. */
    static final Duration STINT_GAP = Duration.ofMillis(500);
    /**
     * The shortest stretch without any acknowledgement that counts as an outage: a loaded machine pauses a client for
     * a few hundred milliseconds now and then, a failover takes seconds.
     */
    static final Duration OUTAGE = Duration.ofMillis(500);

    /** One fault, as it went. */
    record Outcome(Fault fault, String primary, long startNanos, Optional<Long> writesBackAfterMillis) {}

    /** The run's findings. */
    record Result(
            Database database,
            List<Outcome> outcomes,
            List<WriteLoad.Ack> lost,
            List<WriteLoad.Overlap> overlaps,
            long acknowledged,
            Duration took) {
        /** The fault during which a moment fell: the last one that began before it. */
        Optional<Outcome> faultAt(long nanos) {
            return outcomes.stream().filter(o -> o.startNanos() <= nanos).reduce((a, b) -> b);
        }
    }

    private ChaosRun() {}

    /** Runs {@code count} faults chosen at random (with {@code seed}) from {@code kinds}, cycling through them fairly. */
    /** @param synchronous the cluster runs in synchronous mode: a fault waits for the primary's synchronous standby */
    static Result run(
            LocalCluster cluster, boolean synchronous, List<Fault> kinds, int count, long seed, Fault.Holds holds)
            throws Exception {
        Random random = new Random(seed);
        List<Fault> order = new ArrayList<>();
        while (order.size() < count) {
            List<Fault> round = new ArrayList<>(kinds);
            java.util.Collections.shuffle(round, random);
            order.addAll(round);
        }
        List<Outcome> outcomes = new ArrayList<>();
        long started = System.nanoTime();
        cluster.awaitAllStreaming();
        List<WriteLoad.Ack> acknowledged;
        List<WriteLoad.Overlap> overlaps;
        try (WriteLoad load = WriteLoad.startWithFreshConnections(cluster)) {
            for (Fault fault : order.subList(0, count)) {
                Node primary = cluster.awaitPrimary();
                awaitWrites(load, primary);
                if (synchronous) {
                    awaitSynchronousStandby(primary);
                }
                long start = System.nanoTime();
                Fault.Repair repair = fault.inflict(new Fault.Scene(cluster, primary, holds, random));
                repair.run();
                cluster.awaitAllStreaming();
                Node now = cluster.awaitPrimary();
                awaitWrites(load, now);
                WriteLoad.Gap outage = load.longestGap(start, System.nanoTime());
                Optional<Long> back = outage.millis() < OUTAGE.toMillis()
                        ? Optional.empty()
                        : Optional.of(TimeUnit.NANOSECONDS.toMillis(outage.toNanos() - start));
                outcomes.add(new Outcome(fault, primary.name(), start, back));
            }
            load.close();
            acknowledged = load.acks();
            overlaps = load.overlappingStints(STINT_GAP);
        }
        cluster.awaitAllStreaming();
        Set<Long> present = presentOn(cluster, cluster.awaitPrimary());
        List<WriteLoad.Ack> lost =
                acknowledged.stream().filter(ack -> !present.contains(ack.id())).toList();
        return new Result(
                cluster.database(),
                outcomes,
                lost,
                overlaps,
                acknowledged.size(),
                Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * In synchronous mode, waits until the primary has recorded a synchronous standby: until then it acknowledges
     * writes alone, nobody else may be promoted, and a fault to it could only be waited out, not failed over.
     */
    private static void awaitSynchronousStandby(Node primary) {
        org.awaitility.Awaitility.await(primary.name() + " recording a synchronous standby")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> {
                    JsonNode sync = Json.mapper()
                            .readTree(primary.get("/cluster").orElseThrow().body())
                            .path("sync");
                    return sync.path("leader").asText().equals(primary.name())
                            && sync.path("standby").isTextual();
                });
    }

    /** Waits until {@code node}'s client is acknowledged: the cluster takes writes before the next fault. */
    private static void awaitWrites(WriteLoad load, Node node) {
        long since = System.nanoTime();
        try {
            org.awaitility.Awaitility.await(node.name() + " acknowledging writes")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() ->
                            load.acks().stream().anyMatch(a -> a.node().equals(node.name()) && a.ackNanos() > since));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    e.getMessage() + "; " + load.describe(node.name()) + " (waiting since " + since + ")", e);
        }
    }

    private static Set<Long> presentOn(LocalCluster cluster, Node primary) throws SQLException {
        if (cluster.database() == Database.REDIS) {
            return primary.onRedis(redis -> redis.sync().keys("acked:*")).stream()
                    .map(key -> Long.parseLong(key.substring("acked:".length())))
                    .collect(Collectors.toSet());
        }
        Set<Long> present = new HashSet<>();
        try (Connection c = primary.connect();
                ResultSet rs = c.createStatement().executeQuery("SELECT id FROM acked")) {
            while (rs.next()) {
                present.add(rs.getLong(1));
            }
        }
        return present;
    }
}
