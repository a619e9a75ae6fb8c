package io.steward.it.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.Database;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Agents publishing to {@link Route53TestServer} through the real SDK client while the cluster fails over: the DNS
 * follows the primary, only the current epoch writes the shared records, and a stopping member removes its own. The
 * same for every engine the core fails over (issue 3 for PostgreSQL, issue 4's item 6 for Redis).
 */
class Route53FailoverTest {
    private static final String PRIMARY = "db.it.example.";
    private static final String READERS = "ro.it.example.";
    private static final Pattern EPOCH = Pattern.compile("steward epoch (\\d+)");

    @ParameterizedTest
    @EnumSource(Database.class)
    void theRecordsFollowThePrimaryThroughANodeLossAndAGracefulStop(Database database) throws Exception {
        try (Route53TestServer dns = Route53TestServer.start()) {
            String zone = dns.createHostedZone("it.example");
            dns.insyncDelay(Duration.ofMillis(300));
            Map<String, String> environment = Map.of(
                    "STEWARD_AWS_ROUTE53_ENABLED", "true",
                    "STEWARD_AWS_ROUTE53_HOSTED_ZONE_ID", zone,
                    "STEWARD_AWS_ROUTE53_PRIMARY_RECORD", "db.it.example",
                    "STEWARD_AWS_ROUTE53_READER_RECORD", "ro.it.example",
                    "STEWARD_AWS_ROUTE53_MEMBER_RECORD_SUFFIX", "nodes.it.example",
                    "STEWARD_AWS_ROUTE53_ENDPOINT", dns.endpoint().toString(),
                    "STEWARD_AWS_ROUTE53_INSYNC_POLL_INTERVAL", "100ms",
                    "AWS_ACCESS_KEY_ID", "AKIDSTEWARDTEST",
                    "AWS_SECRET_ACCESS_KEY", "steward-test-secret");
            try (LocalCluster cluster = LocalCluster.start(
                    LocalCluster.Options.defaults().withDatabase(database).withEnvironment(environment))) {
                Node first = cluster.awaitPrimary();
                List<Node> replicas =
                        cluster.nodes().stream().filter(n -> n != first).toList();
                awaitRecords(dns, zone, PRIMARY, List.of(target(first)));
                awaitRecords(
                        dns,
                        zone,
                        READERS,
                        replicas.stream().map(Route53FailoverTest::target).toList());
                for (Node node : cluster.nodes()) {
                    awaitRecords(dns, zone, node.name() + ".nodes.it.example.", List.of(target(node)));
                }

                first.killNode();
                Node second = cluster.awaitNewPrimary(first);
                Node remaining =
                        replicas.stream().filter(n -> n != second).findFirst().orElseThrow();
                awaitRecords(dns, zone, PRIMARY, List.of(target(second)));
                awaitRecords(dns, zone, READERS, List.of(target(remaining)));
                assertThat(recordValues(dns, zone, first.name() + ".nodes.it.example."))
                        .as("a killed member cannot remove its own record")
                        .containsExactly(target(first));

                assertThat(remaining.stopAgent(Duration.ofSeconds(60))).isZero();
                awaitRecords(dns, zone, remaining.name() + ".nodes.it.example.", List.of());
                awaitRecords(dns, zone, READERS, List.of());
                assertThat(recordValues(dns, zone, PRIMARY)).containsExactly(target(second));
            }
            assertThat(sharedRecordEpochs(dns))
                    .as("epochs of the changes to the primary and reader records, in order")
                    .isSorted()
                    .hasSizeGreaterThanOrEqualTo(4);
        }
    }

    private static String target(Node node) {
        return node.name() + ".nodes.it";
    }

    private static void awaitRecords(Route53TestServer dns, String zone, String name, List<String> values) {
        await(name + " holding " + values)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(
                        () -> assertThat(recordValues(dns, zone, name)).containsExactlyInAnyOrderElementsOf(values));
    }

    private static List<String> recordValues(Route53TestServer dns, String zone, String name) {
        return dns.recordSets(zone).stream()
                .filter(set -> set.name().equals(name))
                .flatMap(set -> set.values().stream())
                .toList();
    }

    private static List<Long> sharedRecordEpochs(Route53TestServer dns) {
        return dns.appliedChanges().stream()
                .filter(change -> change.recordSet().name().equals(PRIMARY)
                        || change.recordSet().name().equals(READERS))
                .map(change -> {
                    Matcher matcher = EPOCH.matcher(change.comment());
                    assertThat(matcher.find()).as("comment of %s", change).isTrue();
                    return Long.parseLong(matcher.group(1));
                })
                .toList();
    }
}
