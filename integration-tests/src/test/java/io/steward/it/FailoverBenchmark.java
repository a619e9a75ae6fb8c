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
 * Also reports each agent's resident memory and CPU time while idle.
 */
class FailoverBenchmark {
    static final int TRIALS = Integer.getInteger("trials", 20);

    @Test
    void timeToWritesAgain() throws Exception {
        StringBuilder report = new StringBuilder("# Steward failover benchmark (" + TRIALS + " trials per fault)\n\n");
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            report.append(idleFootprint(cluster));
            List<Double> postmaster = new ArrayList<>();
            List<Double> nodeLoss = new ArrayList<>();
            for (int trial = 0; trial < TRIALS; trial++) {
                postmaster.add(trial(cluster, false));
            }
            for (int trial = 0; trial < TRIALS; trial++) {
                nodeLoss.add(trial(cluster, true));
            }
            report.append("| fault | min | median | p95 | max |\n| --- | --- | --- | --- | --- |\n");
            report.append(row("primary's postmaster SIGKILLed", postmaster));
            report.append(row("node loss (agent + postmaster SIGKILLed)", nodeLoss));
        }
        System.out.println(report);
        Path out = Path.of("target", "benchmark-steward.md");
        Files.writeString(out, report.toString());
    }

    /**
     * One fault under a fresh write load; returns seconds from the kill to the first acknowledged write, checks that
     * no two nodes acknowledged writes at the same time, and leaves the cluster whole again.
     */
    private static double trial(LocalCluster cluster, boolean nodeLoss) throws Exception {
        cluster.awaitAllStreaming();
        Node primary = cluster.awaitPrimary();
        double seconds;
        try (WriteLoad load = WriteLoad.start(cluster)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 20);
            long killed = System.nanoTime();
            if (nodeLoss) {
                primary.killAgent();
            }
            primary.killPostmaster();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(10))
                    .until(() -> load.firstAckAfter(killed).isPresent());
            seconds = (load.firstAckAfter(killed).get().ackNanos() - killed) / 1e9;
            int after = load.count();
            await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > after + 20);
            load.close();
            ClusterAssertions.assertNoOverlappingPrimaries(load);
        }
        if (nodeLoss) {
            primary.startAgent();
        }
        System.out.printf(Locale.ROOT, "%s: %.3f s%n", nodeLoss ? "node loss" : "postmaster", seconds);
        return seconds;
    }

    private static String idleFootprint(LocalCluster cluster) throws IOException, InterruptedException {
        StringBuilder text = new StringBuilder("| agent | resident memory | CPU over 30 s idle |\n| --- | --- | --- |\n");
        List<long[]> before = new ArrayList<>();
        for (Node node : cluster.nodes()) {
            before.add(new long[] {cpuTicks(node.agentPid())});
        }
        long start = System.nanoTime();
        Thread.sleep(30_000); // the measurement window itself
        double wall = (System.nanoTime() - start) / 1e9;
        for (int i = 0; i < cluster.nodes().size(); i++) {
            Node node = cluster.nodes().get(i);
            double cpuSeconds = (cpuTicks(node.agentPid()) - before.get(i)[0]) / 100.0;
            text.append(String.format(Locale.ROOT, "| %s | %d MiB | %.2f %% of one core |%n", node.name(),
                    residentKib(node.agentPid()) / 1024, 100 * cpuSeconds / wall));
        }
        return text.append('\n').toString();
    }

    private static long residentKib(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS:")).map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(-1L);
    }

    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    static String row(String fault, List<Double> samples) {
        List<Double> sorted = new ArrayList<>(samples);
        sorted.sort(Double::compare);
        return String.format(Locale.ROOT, "| %s | %.2f s | %.2f s | %.2f s | %.2f s |%n", fault, sorted.get(0),
                percentile(sorted, 50), percentile(sorted, 95), sorted.get(sorted.size() - 1));
    }

    static double percentile(List<Double> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
