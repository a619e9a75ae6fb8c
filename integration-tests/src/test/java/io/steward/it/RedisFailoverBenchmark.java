package io.steward.it;

import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Time to writes again for Redis, run on demand ({@code scripts/benchmark.sh redis}), never in the test suite: SIGKILL
 * of the primary's redis-server until the first write acknowledged by any node, with clients writing to every node at
 * once ({@link WriteLoad}). Side by side in one run: Steward at its defaults (on a ZooKeeper ensemble with ZooKeeper's
 * default tick of 2 s), and Redis Sentinel 7.0 with three sentinels and quorum 2, tuned
 * ({@code down-after-milliseconds 1000}) and at its defaults (30 s). Each trial also counts the acknowledgements one
 * node gave while another was taking writes too: two primaries at once.
 */
// On demand only, and long: the suite's default of 10 minutes per test does not fit.
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.HOURS)
class RedisFailoverBenchmark {
    static final int TRIALS = Integer.getInteger("trials", 20);
    /** Which systems to measure: steward, sentinel-tuned, sentinel-defaults (comma-separated). */
    static final List<String> SYSTEMS =
            List.of(System.getProperty("systems", "steward,sentinel-tuned,sentinel-defaults")
                    .split(","));
    /** The target at Steward's defaults. */
    static final Duration TARGET_MEDIAN = Duration.ofMillis(1400);

    static final Path REPORT = Path.of("target", "benchmark-redis-failover.md");

    /** What a trial needs of a Redis set, Steward's or Sentinel's. */
    private interface RedisSystem {
        List<? extends RedisTarget> nodes();

        RedisTarget awaitPrimary();

        /** As before any failover: every node back, the replicas following the primary. */
        void awaitWhole();

        /** SIGKILLs the primary's redis-server; returns what brings it back once another node took over. */
        Restorer kill(RedisTarget primary) throws Exception;
    }

    private interface Restorer {
        void restore() throws Exception;
    }

    /** One trial: seconds to writes again (NaN when none came within the limit), and overlapping acknowledgements. */
    private record Trial(double seconds, long overlappingAcks) {}

    @Test
    void timeToWritesAgain() throws Exception {
        StringBuilder report = new StringBuilder("# Redis failover benchmark: time to writes again (" + TRIALS
                + " trials per system)\n\nSIGKILL of the primary's redis-server until the first write acknowledged by"
                + " any node, clients writing to every node at once.\n\n"
                + "| system | trials | min | median | p90 | max | overlapping acknowledgements |\n"
                + "| --- | --- | --- | --- | --- | --- | --- |\n");
        StringBuilder verdict = new StringBuilder();
        try (RedisAdmin admin = new RedisAdmin(LocalCluster.SUPERUSER_PASSWORD)) {
            if (SYSTEMS.contains("steward")) {
                try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults()
                        .withDatabase(Database.REDIS)
                        .productionZooKeeper())) {
                    List<Trial> trials = measure("Steward", steward(cluster), admin);
                    report.append(row("Steward (defaults: loop_wait 1 s, ZooKeeper session 5 s)", trials));
                    verdict.append(targetLine(trials));
                }
                flush(report, verdict);
            }
            for (String system : List.of("sentinel-tuned", "sentinel-defaults")) {
                if (!SYSTEMS.contains(system)) {
                    continue;
                }
                boolean tuned = system.equals("sentinel-tuned");
                try (SentinelCluster sentinel =
                        SentinelCluster.start(tuned ? OptionalInt.of(1000) : OptionalInt.empty(), admin)) {
                    report.append(row(
                            "Redis Sentinel 7.0 (3 sentinels, quorum 2, "
                                    + (tuned
                                            ? "down-after-milliseconds 1000)"
                                            : "defaults: down-after-milliseconds 30000)"),
                            measure(system, sentinel(sentinel), admin)));
                }
                flush(report, verdict);
            }
        }
        System.out.println(report.append(verdict));
    }

    private static List<Trial> measure(String system, RedisSystem subject, RedisAdmin admin) throws Exception {
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < TRIALS; i++) {
            trials.add(trial(system, subject, admin));
        }
        return trials;
    }

    /**
     * One SIGKILL under a fresh write load; returns the seconds from the kill to the first acknowledged write and the
     * overlapping acknowledgements, and leaves the set whole again.
     */
    private static Trial trial(String system, RedisSystem subject, RedisAdmin admin) throws Exception {
        subject.awaitWhole();
        RedisTarget primary = subject.awaitPrimary();
        awaitReplicasCaughtUp(subject.nodes(), primary, admin);
        double seconds;
        long overlapping;
        Restorer restorer;
        try (WriteLoad load = WriteLoad.startRedis(subject.nodes(), LocalCluster.SUPERUSER_PASSWORD)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 20);
            long killed = System.nanoTime();
            restorer = subject.kill(primary);
            try {
                await().atMost(FailoverBenchmark.WRITES_AGAIN_LIMIT)
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> load.firstAckAfterOutageOf(primary.name(), killed)
                                .isPresent());
                seconds = (load.firstAckAfterOutageOf(primary.name(), killed)
                                        .get()
                                        .ackNanos()
                                - killed)
                        / 1e9;
                int after = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > after + 20);
            } catch (ConditionTimeoutException e) {
                System.out.printf(
                        Locale.ROOT,
                        "%s: no write acknowledged within %d s%n",
                        system,
                        FailoverBenchmark.WRITES_AGAIN_LIMIT.toSeconds());
                seconds = Double.NaN;
            }
            load.close();
            overlapping = load.overlappingAcks();
        }
        restorer.restore();
        System.out.printf(Locale.ROOT, "%s: %.3f s, %d overlapping acknowledgements%n", system, seconds, overlapping);
        return new Trial(seconds, overlapping);
    }

    /**
     * Every replica follows the primary and has received all it wrote: the same starting line for both systems (a
     * replica still syncing after the previous trial would rightly not be promoted by either).
     */
    private static void awaitReplicasCaughtUp(
            List<? extends RedisTarget> nodes, RedisTarget primary, RedisAdmin admin) {
        await("replicas caught up with " + primary.name())
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> {
                    long written = Long.parseLong(
                            admin.info(primary.databasePort(), "replication").get("master_repl_offset"));
                    return nodes.stream().filter(node -> node != primary).allMatch(replica -> {
                        Map<String, String> info = admin.info(replica.databasePort(), "replication");
                        return info.get("master_link_status").equals("up")
                                && Long.parseLong(info.get("slave_repl_offset")) >= written;
                    });
                });
    }

    private static RedisSystem steward(LocalCluster cluster) {
        return new RedisSystem() {
            @Override
            public List<? extends RedisTarget> nodes() {
                return cluster.nodes();
            }

            @Override
            public RedisTarget awaitPrimary() {
                return cluster.awaitPrimary();
            }

            @Override
            public void awaitWhole() {
                cluster.awaitAllStreaming();
            }

            @Override
            public Restorer kill(RedisTarget primary) throws Exception {
                ((Node) primary).killServer();
                // its agent brings it back as a replica of the new primary by itself
                return () -> {};
            }
        };
    }

    private static RedisSystem sentinel(SentinelCluster cluster) {
        return new RedisSystem() {
            @Override
            public List<? extends RedisTarget> nodes() {
                return cluster.servers();
            }

            @Override
            public RedisTarget awaitPrimary() {
                return cluster.awaitPrimary(Duration.ofSeconds(120));
            }

            @Override
            public void awaitWhole() {
                cluster.awaitWhole();
            }

            @Override
            public Restorer kill(RedisTarget primary) throws Exception {
                SentinelCluster.Server server = (SentinelCluster.Server) primary;
                server.kill();
                return () -> cluster.restartAsReplica(server);
            }
        };
    }

    static String row(String system, List<Trial> trials) {
        List<Double> sorted = trials.stream()
                .map(Trial::seconds)
                .filter(s -> !s.isNaN())
                .sorted()
                .toList();
        long overlapping = trials.stream().mapToLong(Trial::overlappingAcks).sum();
        long withOverlap = trials.stream().filter(t -> t.overlappingAcks() > 0).count();
        String failures = sorted.size() == trials.size()
                ? ""
                : " (" + (trials.size() - sorted.size()) + " without writes within "
                        + FailoverBenchmark.WRITES_AGAIN_LIMIT.toSeconds() + " s)";
        String overlaps = overlapping + (withOverlap == 0 ? "" : " in " + withOverlap + " trials");
        if (sorted.isEmpty()) {
            return String.format(
                    Locale.ROOT, "| %s | %d%s | - | - | - | - | %s |%n", system, trials.size(), failures, overlaps);
        }
        return String.format(
                Locale.ROOT,
                "| %s | %d%s | %.2f s | %.2f s | %.2f s | %.2f s | %s |%n",
                system,
                trials.size(),
                failures,
                sorted.get(0),
                FailoverBenchmark.percentile(sorted, 50),
                FailoverBenchmark.percentile(sorted, 90),
                sorted.get(sorted.size() - 1),
                overlaps);
    }

    /** Whether Steward meets the target: median at most 1.4 s and no overlapping acknowledgements. */
    private static String targetLine(List<Trial> trials) {
        List<Double> sorted = trials.stream()
                .map(Trial::seconds)
                .filter(s -> !s.isNaN())
                .sorted()
                .toList();
        boolean met = sorted.size() == trials.size()
                && !sorted.isEmpty()
                && FailoverBenchmark.percentile(sorted, 50) <= TARGET_MEDIAN.toMillis() / 1000.0
                && trials.stream().allMatch(t -> t.overlappingAcks() == 0);
        return "\nSteward's target (median at most " + TARGET_MEDIAN.toMillis() / 1000.0
                + " s, no overlapping acknowledgements): " + (met ? "met" : "NOT met") + "\n";
    }

    /** Written after each system, so that an interrupted run keeps what it measured. */
    private static void flush(StringBuilder table, StringBuilder verdict) throws IOException {
        Files.writeString(REPORT, table.toString() + verdict);
    }
}
