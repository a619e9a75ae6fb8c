package io.steward.it.chaos;

import io.steward.it.Database;
import io.steward.it.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * On demand ({@code ./scripts/benchmark.sh chaos}, not part of the suite): the chaos run, 100 faults in random
 * order against a three-node PostgreSQL cluster in synchronous mode, and the same against Redis, each fault that lasts
 * held long enough to outlast the lease and the session. {@code -Dchaos.faults=N} (100), {@code -Dchaos.seed=S},
 * {@code -Dchaos.databases=postgresql,redis}. Report: integration-tests/target/benchmark-chaos.md. Numbers, not
 * assertions: the suite's {@link ChaosTest} asserts.
 */
@Timeout(value = 4, unit = TimeUnit.HOURS)
class ChaosBenchmark {

    @Test
    void chaos() throws Exception {
        int faults = Integer.getInteger("chaos.faults", 100);
        long seed = Long.getLong("chaos.seed", 20261207L);
        StringBuilder report = new StringBuilder("# Chaos run\n\n" + faults + " faults per database, seed " + seed
                + ", holds " + Fault.Holds.LONG + "\n\n");
        for (String name :
                System.getProperty("chaos.databases", "postgresql,redis").split(",")) {
            Database database = Database.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
            LocalCluster.Options options =
                    LocalCluster.Options.defaults().withDatabase(database).partitionable();
            boolean synchronous = database == Database.POSTGRESQL;
            try (LocalCluster cluster = LocalCluster.start(synchronous ? options.synchronousMode() : options)) {
                ChaosRun.Result result =
                        ChaosRun.run(cluster, synchronous, List.of(Fault.values()), faults, seed, Fault.Holds.LONG);
                report.append("## ")
                        .append(database)
                        .append(database == Database.POSTGRESQL ? " (synchronous mode)" : "")
                        .append("\n\n")
                        .append(ChaosReport.markdown(result))
                        .append("\n\n");
                Files.writeString(Path.of("target", "benchmark-chaos.md"), report);
            }
        }
        System.out.println(report);
    }
}
