package io.steward.it;

import io.steward.it.LocalCluster.Node;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.awaitility.Awaitility.await;

/**
 * Time to writes again after a fault, run on demand ({@code scripts/benchmark.sh}), never in the test suite:
 * SIGKILL until the first write acknowledged by any node, with clients writing to every node.
 * Fault 1: the primary's postmaster. Fault 2: node loss (the primary's agent and postmaster together).
 * Side by side on the same ZooKeeper ensemble (ZooKeeper's default tick of 2 s): Steward at its defaults, and
 * Patroni 3.0.2 at its defaults and at its tightest documented settings. Also each Steward agent's resident memory
 * and CPU while idle. Each trial checks that no two nodes acknowledged writes at the same time.
 */
class FailoverBenchmark {
    static final int TRIALS = Integer.getInteger("trials", 20);
    static final boolean WITH_PATRONI = Boolean.parseBoolean(System.getProperty("patroni", "true"));

    /** What a trial needs of a cluster, Steward's or Patroni's. */
    private interface Subject {
        List<? extends WriteTarget> targets();

        WriteTarget awaitPrimary();

        void awaitWhole();

        /** Kills the primary (its postmaster, or the whole node); returns what brings the node back. */
        Restorer kill(WriteTarget primary, boolean nodeLoss) throws Exception;
    }

    private interface Restorer {
        void restore() throws Exception;
    }

    @Test
    void timeToWritesAgain() throws Exception {
        StringBuilder report = new StringBuilder("# Failover benchmark: time to writes again (" + TRIALS
                + " trials per fault)\n\n");
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults().productionZooKeeper())) {
            report.append(idleFootprint(cluster));
            report.append("| system | fault | min | median | p95 | max |\n| --- | --- | --- | --- | --- | --- |\n");
            report.append(measure("Steward (defaults)", steward(cluster)));
            flush(report);
            if (WITH_PATRONI) {
                for (PatroniCluster.Timing timing : List.of(PatroniCluster.Timing.TIGHTEST, PatroniCluster.Timing.DEFAULTS)) {
                    // Steward's agents stay up but idle beside Patroni: the ensemble is shared, as in the issue.
                    try (PatroniCluster patroni = PatroniCluster.start(cluster.zookeeper().connectString(), timing)) {
                        report.append(measure("Patroni 3.0.2 (ttl " + timing.ttl() + ", loop_wait " + timing.loopWait()
                                + ", retry_timeout " + timing.retryTimeout() + ")", patroni(patroni)));
                    }
                    flush(report);
                }
            }
        }
        System.out.println(report);
    }

    private static String measure(String system, Subject subject) throws Exception {
        List<Double> postmaster = new ArrayList<>();
        List<Double> nodeLoss = new ArrayList<>();
        for (int trial = 0; trial < TRIALS; trial++) {
            postmaster.add(trial(system, subject, false));
        }
        for (int trial = 0; trial < TRIALS; trial++) {
            nodeLoss.add(trial(system, subject, true));
        }
        return row(system, "postmaster SIGKILLed", postmaster) + row(system, "node lost (agent + postmaster SIGKILLed)", nodeLoss);
    }

    /**
     * One fault under a fresh write load; returns seconds from the kill to the first acknowledged write, checks that
     * no two nodes acknowledged writes at the same time, and leaves the cluster whole again.
     */
    private static double trial(String system, Subject subject, boolean nodeLoss) throws Exception {
        subject.awaitWhole();
        WriteTarget primary = subject.awaitPrimary();
        double seconds;
        Restorer restorer;
        try (WriteLoad load = WriteLoad.start(subject.targets(), primary)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 20);
            long killed = System.nanoTime();
            restorer = subject.kill(primary, nodeLoss);
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(10))
                    .until(() -> load.firstAckAfter(killed).isPresent());
            seconds = (load.firstAckAfter(killed).get().ackNanos() - killed) / 1e9;
            int after = load.count();
            await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > after + 20);
            load.close();
            ClusterAssertions.assertNoOverlappingPrimaries(load);
        }
        restorer.restore();
        System.out.printf(Locale.ROOT, "%s, %s: %.3f s%n", system, nodeLoss ? "node loss" : "postmaster", seconds);
        return seconds;
    }

    private static Subject steward(LocalCluster cluster) {
        return new Subject() {
            @Override
            public List<? extends WriteTarget> targets() {
                return cluster.nodes();
            }

            @Override
            public WriteTarget awaitPrimary() {
                return cluster.awaitPrimary();
            }

            @Override
            public void awaitWhole() {
                cluster.awaitAllStreaming();
            }

            @Override
            public Restorer kill(WriteTarget target, boolean nodeLoss) throws Exception {
                Node node = (Node) target;
                if (nodeLoss) {
                    node.killAgent();
                }
                node.killPostmaster();
                return nodeLoss ? node::startAgent : () -> { };
            }
        };
    }

    private static Subject patroni(PatroniCluster cluster) {
        return new Subject() {
            @Override
            public List<? extends WriteTarget> targets() {
                return cluster.members();
            }

            @Override
            public WriteTarget awaitPrimary() {
                return cluster.awaitLeader();
            }

            @Override
            public void awaitWhole() {
                cluster.awaitAllStreaming();
            }

            @Override
            public Restorer kill(WriteTarget target, boolean nodeLoss) throws Exception {
                PatroniCluster.Member member = (PatroniCluster.Member) target;
                if (nodeLoss) {
                    member.kill();
                }
                member.killPostmaster();
                return nodeLoss ? member::start : () -> { };
            }
        };
    }

    private static String idleFootprint(LocalCluster cluster) throws IOException, InterruptedException {
        StringBuilder text = new StringBuilder("| Steward agent | resident memory | CPU while idle (30 s) |\n| --- | --- | --- |\n");
        List<Long> before = new ArrayList<>();
        for (Node node : cluster.nodes()) {
            before.add(cpuTicks(node.agentPid()));
        }
        long start = System.nanoTime();
        Thread.sleep(30_000); // the measurement window itself
        double wall = (System.nanoTime() - start) / 1e9;
        for (int i = 0; i < cluster.nodes().size(); i++) {
            Node node = cluster.nodes().get(i);
            double cpuSeconds = (cpuTicks(node.agentPid()) - before.get(i)) / 100.0;
            text.append(String.format(Locale.ROOT, "| %s | %d MiB | %.2f %% of one core |%n", node.name(),
                    residentKib(node.agentPid()) / 1024, 100 * cpuSeconds / wall));
        }
        return text.append('\n').toString();
    }

    private static long residentKib(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS:")).map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(-1L);
    }

    /** User plus system CPU time of a process, in clock ticks (1/100 s). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static void flush(StringBuilder report) throws IOException {
        Files.writeString(Path.of("target", "benchmark-failover.md"), report.toString());
    }

    static String row(String system, String fault, List<Double> samples) {
        List<Double> sorted = new ArrayList<>(samples);
        sorted.sort(Double::compare);
        return String.format(Locale.ROOT, "| %s | %s | %.2f s | %.2f s | %.2f s | %.2f s |%n", system, fault, sorted.get(0),
                percentile(sorted, 50), percentile(sorted, 95), sorted.get(sorted.size() - 1));
    }

    static double percentile(List<Double> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
