package io.steward.it.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.it.LocalCluster;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chaos run's subset for the suite (issue 15): ten faults, every kind at least once, against a three-node
 * PostgreSQL cluster in synchronous mode with a write loop on every node. No acknowledged write may be lost and no
 * two nodes may acknowledge writes at the same time. The full run, 100 faults on PostgreSQL and Redis with longer
 * holds, is {@code ./scripts/benchmark.sh chaos}.
 */
class ChaosTest {

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void tenFaultsLoseNoAcknowledgedWriteAndNeverHaveTwoWritablePrimaries() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(
                LocalCluster.Options.defaults().synchronousMode().partitionable())) {
            ChaosRun.Result result = ChaosRun.run(cluster, true, List.of(Fault.values()), 10, 15L, Fault.Holds.SHORT);
            String report = ChaosReport.markdown(result);
            System.out.println(report);

            assertThat(result.outcomes()).hasSize(10);
            assertThat(result.outcomes()).extracting(ChaosRun.Outcome::fault).contains(Fault.values());
            assertThat(result.overlaps()).as(report).isEmpty();
            assertThat(result.lost()).as(report).isEmpty();
            assertThat(result.acknowledged()).isPositive();
        }
    }
}
