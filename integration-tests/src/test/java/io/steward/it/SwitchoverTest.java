package io.steward.it;

import static io.steward.it.ClusterAssertions.assertNoAcknowledgedWriteLost;
import static io.steward.it.ClusterAssertions.assertNoOverlappingPrimaries;
import static io.steward.it.ClusterAssertions.history;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster.Node;
import io.steward.it.acceptance.InstalledSteward;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Scenario (f): planned switchovers through the HTTP API and the CLI lose nothing. */
class SwitchoverTest {

    @Test
    void switchoverThroughTheApiAndTheCliLosesNoRow() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(LocalCluster.Options.defaults())) {
            Node first = cluster.awaitPrimary();
            long epoch = ClusterAssertions.epoch(first);
            Node target =
                    cluster.nodes().stream().filter(n -> n != first).findFirst().orElseThrow();

            // Each switchover under its own write load: spans of acknowledgement compare only within one change.
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
                HttpResponse<String> accepted = first.post(
                        "/switchover", "{\"to\": \"" + target.name() + "\"}", Optional.of(LocalCluster.TOKEN));
                assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(60)).until(cluster::primaries, p -> p.equals(List.of(target)));
                int before = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 50);
                load.close();
                assertNoOverlappingPrimaries(load);
                assertNoAcknowledgedWriteLost(load, target);
            }
            assertThat(ClusterAssertions.epoch(target)).isEqualTo(epoch + 1);
            cluster.awaitAllStreaming();

            // Again with the CLI, letting Steward choose the candidate.
            Node third;
            try (WriteLoad load = WriteLoad.start(cluster)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > 100);
                InstalledSteward.CliRun switchover = InstalledSteward.shared()
                        .run(
                                "switchover",
                                "--force",
                                "--api",
                                target.apiUrl(),
                                "--token-file",
                                LocalCluster.tokenFile().toString());
                assertThat(switchover.exitCode()).as(switchover.transcript()).isZero();
                third = cluster.awaitNewPrimary(target);
                int before = load.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.count() > before + 50);
                load.close();
                assertNoOverlappingPrimaries(load);
                assertNoAcknowledgedWriteLost(load, third);
            }
            assertThat(ClusterAssertions.epoch(third)).isEqualTo(epoch + 2);
            var entries = history(third);
            assertThat(entries.get(entries.size() - 2).path("reason").asText()).isEqualTo("switchover");
            assertThat(entries.get(entries.size() - 2).path("previous").asText())
                    .isEqualTo(first.name());
            assertThat(entries.get(entries.size() - 1).path("reason").asText()).isEqualTo("switchover");
            assertThat(entries.get(entries.size() - 1).path("previous").asText())
                    .isEqualTo(target.name());
            assertThat(entries.get(entries.size() - 1).path("epoch").asLong()).isEqualTo(epoch + 2);
            cluster.awaitAllStreaming();
        }
    }
}
