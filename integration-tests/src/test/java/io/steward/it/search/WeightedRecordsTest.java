package io.steward.it.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.aws.Route53TestServer;
import io.steward.it.aws.StoredRecordSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The book's Elasticsearch round robin through {@link Route53TestServer} and the real SDK: every healthy node keeps its
 * own entry (set identifier = instance id, weight 100) in one weighted record, and a node that stops or dies leaves it.
 */
class WeightedRecordsTest {
    private static final String WEIGHTED = "search.it.example.";

    private Route53TestServer dns;
    private String zone;

    @BeforeEach
    void startDns() throws Exception {
        dns = Route53TestServer.start();
        zone = dns.createHostedZone("it.example");
        dns.insyncDelay(Duration.ofMillis(100));
    }

    @AfterEach
    void stopDns() throws Exception {
        dns.close();
    }

    private SearchCluster.Options options() {
        return SearchCluster.Options.defaults()
                .withEnvironment(with(Map.of(
                        "STEWARD_AWS_ROUTE53_ENABLED", "true",
                        "STEWARD_AWS_ROUTE53_HOSTED_ZONE_ID", zone,
                        "STEWARD_AWS_ROUTE53_WEIGHTED_RECORD", "search.it.example")));
    }

    /** Launched the book's way: the record and its zone come from the user data alone, the zone by its name. */
    private SearchCluster.Options bookUserData() {
        return SearchCluster.Options.defaults()
                .withUserData("{\"name\": \"search\", \"zone\": \"it.example\"}")
                .withEnvironment(with(Map.of()));
    }

    private Map<String, String> with(Map<String, String> route53) {
        Map<String, String> environment = new HashMap<>(route53);
        environment.putAll(Map.of(
                "STEWARD_AWS_ROUTE53_MEMBER_RECORD_SUFFIX", "nodes.it.example",
                "STEWARD_AWS_ROUTE53_ENDPOINT", dns.endpoint().toString(),
                "STEWARD_AWS_ROUTE53_INSYNC_POLL_INTERVAL", "100ms",
                "AWS_ACCESS_KEY_ID", "AKIDSTEWARDTEST",
                "AWS_SECRET_ACCESS_KEY", "steward-test-secret"));
        return environment;
    }

    @Test
    void everyNodeOfTheBooksUserDataRegistersAndAStoppedNodeLeavesWhileTheOthersStay() throws Exception {
        dns.createHostedZone("other.example");
        try (SearchCluster cluster = SearchCluster.start(bookUserData())) {
            awaitEntries(cluster.nodes());
            SearchCluster.Node leaving = cluster.node("os3");

            assertThat(leaving.stopAgent(Duration.ofSeconds(120))).isZero();

            awaitEntries(List.of(cluster.node("os1"), cluster.node("os2")));
            // members named by their instance id, as no name of their own was given
            assertThat(dns.recordSets(zone)).noneMatch(set -> set.name().equals(memberRecord("os3")));
            assertThat(dns.recordSets(zone)).anyMatch(set -> set.name().equals(memberRecord("os1")));
        }
    }

    private static String memberRecord(String node) {
        return SearchCluster.instanceId(node) + ".nodes.it.example.";
    }

    @Test
    void whenTheElectedMasterDiesTheRecordsFollowTheHealthyNodes() throws Exception {
        try (SearchCluster cluster = SearchCluster.start(options())) {
            awaitEntries(cluster.nodes());
            SearchCluster.Node master = cluster.electedMaster();
            List<SearchCluster.Node> others =
                    cluster.nodes().stream().filter(n -> n != master).toList();

            master.killServer();

            awaitEntries(others);
            await("a new elected master among " + others)
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions()
                    .until(() -> others.contains(cluster.electedMaster()));
            await("the new master's agent reporting it")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> cluster.electedMaster()
                            .get("/health")
                            .map(r -> r.body().toLowerCase().contains("\"role\":\"primary\""))
                            .orElse(false));
            assertThat(master.get("/health").orElseThrow().statusCode())
                    .as("the dead node's agent reports it")
                    .isEqualTo(503);
        }
    }

    @Test
    void whenTheElectedMasterIsLostWithItsAgentTheOthersRemoveItsEntry() throws Exception {
        try (SearchCluster cluster = SearchCluster.start(options())) {
            awaitEntries(cluster.nodes());
            SearchCluster.Node lost = cluster.electedMaster();

            lost.killAgent();
            lost.killServer();

            // once ZooKeeper has expired the dead agent's session and the grace has passed
            awaitEntries(cluster.nodes().stream().filter(n -> n != lost).toList());
        }
    }

    /** Waits until the weighted record holds exactly these nodes' entries, each as the book writes it. */
    private void awaitEntries(List<SearchCluster.Node> nodes) {
        Map<String, String> expected = nodes.stream()
                .collect(Collectors.toMap(n -> SearchCluster.instanceId(n.name()), n -> n.name() + ".nodes.it"));
        await(WEIGHTED + " holding " + expected)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    List<StoredRecordSet> entries = dns.recordSets(zone).stream()
                            .filter(set -> set.name().equals(WEIGHTED))
                            .toList();
                    assertThat(entries.stream()
                                    .collect(Collectors.toMap(
                                            StoredRecordSet::setIdentifier, set -> String.join(",", set.values()))))
                            .isEqualTo(expected);
                    assertThat(entries).allSatisfy(set -> {
                        assertThat(set.weight()).isEqualTo(100L);
                        assertThat(set.type()).isEqualTo("CNAME");
                    });
                });
    }
}
