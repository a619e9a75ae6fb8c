package io.steward.it.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.steward.it.aws.Route53TestServer;
import io.steward.it.mongo.MongoCluster.Agent;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Steward agents on the members of a MongoDB replica set (the wire-protocol test server, driven by the real Java
 * driver): the set is created once by one agent, its primary adds the others as ZooKeeper announces them, arbiters
 * join as arbiters, and a gracefully stopping member steps down and leaves the set.
 */
class MongoMembershipTest {
    private MongoCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = MongoCluster.start();
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    @Test
    void threeAgentsFormOneSetAnArbiterJoinsAsOneAndALeavingPrimaryStepsDownAndLeaves() throws Exception {
        for (String name : List.of("m1", "m2", "m3")) {
            startAgent(name, "active");
        }
        awaitConfigHosts(hosts("m1", "m2", "m3"));
        assertThat(cluster.set().members().stream().filter(m -> m.state() == MemberState.PRIMARY))
                .hasSize(1);
        try (MongoClient client = MongoClients.create(cluster.set().connectionString())) {
            client.getDatabase("app").getCollection("orders").insertOne(new Document("_id", 1).append("item", "book"));
        }

        startAgent("a1", "arbiter");
        awaitConfigHosts(hosts("m1", "m2", "m3", "a1"));
        assertThat(cluster.config().getList("members", Document.class))
                .filteredOn(m ->
                        m.getString("host").equals(cluster.agent("a1").member().host()))
                .singleElement()
                .satisfies(m -> assertThat(m.getBoolean("arbiterOnly")).isTrue());

        Agent primary = cluster.agents().stream()
                .filter(a -> a.member().state() == MemberState.PRIMARY)
                .findFirst()
                .orElseThrow();
        await(primary.name() + "'s agent answering /primary")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> primary.status("/primary") == 200);
        primary.process().destroy();
        assertThat(primary.process().waitFor(120, TimeUnit.SECONDS)).isTrue();

        List<String> others = cluster.agents().stream()
                .filter(a -> a != primary)
                .map(a -> a.member().host())
                .toList();
        awaitConfigHosts(others);
        assertThat(cluster.set().primary())
                .map(MongoReplicaSetMember::host)
                .get()
                .isNotEqualTo(primary.member().host());
        try (MongoClient client = MongoClients.create(cluster.set().connectionString())) {
            assertThat(client.getDatabase("app").getCollection("orders").countDocuments())
                    .isEqualTo(1);
        }
        assertThat(Files.readString(primary.log()))
                .contains("steps down as primary")
                .contains("left replica set");
    }

    @Test
    void thePrimaryRecordFollowsThePrimaryTheSetElectsUnderItsTerm() throws Exception {
        try (Route53TestServer dns = Route53TestServer.start()) {
            String zone = dns.createHostedZone("it.example");
            Map<String, String> route53 = Map.of(
                    "STEWARD_AWS_ROUTE53_ENABLED", "true",
                    "STEWARD_AWS_ROUTE53_HOSTED_ZONE_ID", zone,
                    "STEWARD_AWS_ROUTE53_PRIMARY_RECORD", "db.it.example",
                    "STEWARD_AWS_ROUTE53_ENDPOINT", dns.endpoint().toString(),
                    "STEWARD_AWS_ROUTE53_INSYNC_POLL_INTERVAL", "100ms",
                    "AWS_ACCESS_KEY_ID", "AKIDSTEWARDTEST",
                    "AWS_SECRET_ACCESS_KEY", "steward-test-secret");
            for (String name : List.of("m1", "m2", "m3")) {
                cluster.startAgent(name, "active", route53);
            }
            awaitConfigHosts(hosts("m1", "m2", "m3"));
            Agent first = awaitRecordAtThePrimary(dns, zone);
            long firstTerm = termOf(dns, first);

            first.member().kill();

            Agent second = awaitRecordAtThePrimary(dns, zone);
            assertThat(second).isNotEqualTo(first);
            assertThat(termOf(dns, second))
                    .as("the term the record was written under")
                    .isGreaterThan(firstTerm);
        }
    }

    /** Waits until the set has a primary and db.it.example names that member's agent, then returns that agent. */
    private Agent awaitRecordAtThePrimary(Route53TestServer dns, String zone) {
        return await("db.it.example naming the set's primary")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(
                        () -> {
                            Agent primary = cluster.agents().stream()
                                    .filter(a ->
                                            a.member().isRunning() && a.member().state() == MemberState.PRIMARY)
                                    .findFirst()
                                    .orElse(null);
                            List<String> values = dns.recordSets(zone).stream()
                                    .filter(set -> set.name().equals("db.it.example."))
                                    .flatMap(set -> set.values().stream())
                                    .toList();
                            return primary != null && values.equals(List.of(primary.name() + ".nodes.it"))
                                    ? primary
                                    : null;
                        },
                        Objects::nonNull);
    }

    /** The term in the comment of the last change that pointed db.it.example at this agent's node. */
    private static long termOf(Route53TestServer dns, Agent agent) {
        Route53TestServer.AppliedChange change = dns.appliedChanges().stream()
                .filter(c -> c.recordSet().name().equals("db.it.example.")
                        && c.recordSet().values().contains(agent.name() + ".nodes.it"))
                .reduce((a, b) -> b)
                .orElseThrow();
        Matcher term = Pattern.compile("term (\\d+)").matcher(change.comment());
        assertThat(term.find()).as("term in '%s'", change.comment()).isTrue();
        return Long.parseLong(term.group(1));
    }

    @Test
    void metricsAndHealthCarryTheBooksMonitorList() throws Exception {
        startAgent("m1", "active");
        startAgent("a1", "arbiter");
        awaitConfigHosts(hosts("m1", "a1"));
        Agent primary = cluster.agent("m1");

        await("the metrics of a set with one arbiter")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(
                        () -> assertThat(primary.get("/metrics").orElseThrow().body())
                                .contains(
                                        "steward_mongodb_healthy_members 2.0",
                                        "steward_mongodb_unhealthy_members 0.0",
                                        "steward_mongodb_arbiters 1.0",
                                        "steward_mongodb_replication_lag_seconds 0.0"));
        String metrics = primary.get("/metrics").orElseThrow().body();
        for (String gauge : List.of(
                "queued_readers",
                "queued_writers",
                "active_readers",
                "active_writers",
                "resident_memory_mb",
                "virtual_memory_mb",
                "open_cursors")) {
            assertThat(metrics).containsPattern("steward_mongodb_" + gauge + " [0-9]+\\.0\\b");
        }
        assertThat(metrics).containsPattern("steward_mongodb_connections [1-9][0-9]*\\.0\\b");
        assertThat(primary.get("/health").orElseThrow().body())
                .contains(
                        "\"replica_set\":\"rs0\"",
                        "\"primary\":\"" + primary.member().host() + "\"",
                        "\"healthy_members\":2");
    }

    private List<String> hosts(String... names) {
        return List.of(names).stream()
                .map(name -> cluster.agent(name).member().host())
                .toList();
    }

    private void awaitConfigHosts(List<String> hosts) {
        await("the set's configuration naming exactly " + hosts)
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(cluster.configHosts()).containsExactlyInAnyOrderElementsOf(hosts));
    }

    private void startAgent(String name, String role) throws Exception {
        cluster.startAgent(name, role, Map.of());
    }
}
