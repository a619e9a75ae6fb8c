package io.steward.it.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.steward.it.LocalCluster;
import io.steward.it.aws.Route53TestServer;
import io.steward.testing.FreePorts;
import io.steward.testing.ZooKeeperEnsemble;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Steward agents on the members of a MongoDB replica set (the wire-protocol test server, driven by the real Java
 * driver): the set is created once by one agent, its primary adds the others as ZooKeeper announces them, arbiters
 * join as arbiters, and a gracefully stopping member steps down and leaves the set.
 */
class MongoMembershipTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Path root;
    private ZooKeeperEnsemble zookeeper;
    private MongoReplicaSet set;
    private final List<Agent> agents = new ArrayList<>();

    private record Agent(String name, MongoReplicaSetMember member, int adminPort, Path log, Process process) {
    }

    @BeforeEach
    void start() throws Exception {
        root = Files.createTempDirectory(Path.of("/tmp"), "steward-mongo-");
        zookeeper = ZooKeeperEnsemble.start(root.resolve("zookeeper"));
        set = MongoReplicaSet.start(0);
    }

    @AfterEach
    void stop() throws Exception {
        for (Agent agent : agents) {
            agent.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        set.close();
        zookeeper.close();
        Path kept = Files.createDirectories(Path.of("target", "it-logs", root.getFileName().toString()));
        for (Agent agent : agents) {
            if (Files.exists(agent.log())) {
                Files.copy(agent.log(), kept.resolve(agent.name() + "-agent.log"));
            }
        }
        LocalCluster.deleteRecursively(root);
    }

    @Test
    void threeAgentsFormOneSetAnArbiterJoinsAsOneAndALeavingPrimaryStepsDownAndLeaves() throws Exception {
        for (String name : List.of("m1", "m2", "m3")) {
            startAgent(name, "active");
        }
        awaitConfigHosts(hosts("m1", "m2", "m3"));
        assertThat(set.members().stream().filter(m -> m.state() == MemberState.PRIMARY)).hasSize(1);
        try (MongoClient client = MongoClients.create(set.connectionString())) {
            client.getDatabase("app").getCollection("orders").insertOne(new Document("_id", 1).append("item", "book"));
        }

        startAgent("a1", "arbiter");
        awaitConfigHosts(hosts("m1", "m2", "m3", "a1"));
        assertThat(config().getList("members", Document.class)).filteredOn(m -> m.getString("host").equals(agent("a1").member().host()))
                .singleElement().satisfies(m -> assertThat(m.getBoolean("arbiterOnly")).isTrue());

        Agent primary = agents.stream().filter(a -> a.member().state() == MemberState.PRIMARY).findFirst().orElseThrow();
        await(primary.name() + "'s agent answering /primary").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> status(primary, "/primary") == 200);
        primary.process().destroy();
        assertThat(primary.process().waitFor(120, TimeUnit.SECONDS)).isTrue();

        List<String> others = agents.stream().filter(a -> a != primary).map(a -> a.member().host()).toList();
        awaitConfigHosts(others);
        assertThat(set.primary()).map(MongoReplicaSetMember::host).get().isNotEqualTo(primary.member().host());
        try (MongoClient client = MongoClients.create(set.connectionString())) {
            assertThat(client.getDatabase("app").getCollection("orders").countDocuments()).isEqualTo(1);
        }
        assertThat(Files.readString(primary.log())).contains("steps down as primary").contains("left replica set");
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
                startAgent(name, "active", route53);
            }
            awaitConfigHosts(hosts("m1", "m2", "m3"));
            Agent first = awaitRecordAtThePrimary(dns, zone);
            long firstTerm = termOf(dns, first);

            first.member().kill();

            Agent second = awaitRecordAtThePrimary(dns, zone);
            assertThat(second).isNotEqualTo(first);
            assertThat(termOf(dns, second)).as("the term the record was written under").isGreaterThan(firstTerm);
        }
    }

    /** Waits until the set has a primary and db.it.example names that member's agent, then returns that agent. */
    private Agent awaitRecordAtThePrimary(Route53TestServer dns, String zone) {
        return await("db.it.example naming the set's primary").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> {
                    Agent primary = agents.stream().filter(a -> a.member().isRunning() && a.member().state() == MemberState.PRIMARY)
                            .findFirst().orElse(null);
                    List<String> values = dns.recordSets(zone).stream().filter(set -> set.name().equals("db.it.example."))
                            .flatMap(set -> set.values().stream()).toList();
                    return primary != null && values.equals(List.of(primary.name() + ".nodes.it")) ? primary : null;
                }, Objects::nonNull);
    }

    /** The term in the comment of the last change that pointed db.it.example at this agent's node. */
    private static long termOf(Route53TestServer dns, Agent agent) {
        Route53TestServer.AppliedChange change = dns.appliedChanges().stream()
                .filter(c -> c.recordSet().name().equals("db.it.example.") && c.recordSet().values().contains(agent.name() + ".nodes.it"))
                .reduce((a, b) -> b).orElseThrow();
        Matcher term = Pattern.compile("epoch (\\d+)").matcher(change.comment());
        assertThat(term.find()).as("term in '%s'", change.comment()).isTrue();
        return Long.parseLong(term.group(1));
    }

        private List<String> hosts(String... names) {
        return List.of(names).stream().map(name -> agent(name).member().host()).toList();
    }

    private Agent agent(String name) {
        return agents.stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
    }

    private void awaitConfigHosts(List<String> hosts) {
        await("the set's configuration naming exactly " + hosts).atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .untilAsserted(() -> assertThat(config().getList("members", Document.class))
                        .extracting(m -> m.getString("host")).containsExactlyInAnyOrderElementsOf(hosts));
    }

    /** The configuration as the current primary has it. */
    private Document config() {
        MongoReplicaSetMember primary = set.primary().orElseThrow(() -> new AssertionError("no primary"));
        try (MongoClient client = MongoClients.create(primary.directConnectionString())) {
            return client.getDatabase("admin").runCommand(new Document("replSetGetConfig", 1)).get("config", Document.class);
        }
    }

    private void startAgent(String name, String role) throws Exception {
        startAgent(name, role, Map.of());
    }

    private void startAgent(String name, String role, Map<String, String> environment) throws Exception {
        MongoReplicaSetMember member = set.addMember();
        Path dir = Files.createDirectories(root.resolve(name));
        int adminPort = FreePorts.next();
        Path config = Files.writeString(dir.resolve("steward.yml"), String.join("\n", List.of(
                "cluster: mongo-" + root.getFileName().toString().replace("steward-mongo-", ""),
                "engine: mongodb",
                "node:",
                "  name: " + name,
                "  host: 127.0.0.1",
                "  dns_name: " + name + ".nodes.it",
                "  state_dir: " + dir.resolve("state"),
                "zookeeper:",
                "  connect: " + zookeeper.connectString(),
                "  session_timeout: 5s",
                "admin:",
                "  address: 127.0.0.1",
                "  port: " + adminPort,
                "  token: " + LocalCluster.TOKEN,
                "aws:",
                "  imds: off",
                "mongodb:",
                "  port: " + member.port(),
                "  replica_set: " + member.replSetName(),
                "  role: " + role,
                "  request_timeout: 5s",
                "  data_dir: " + dir.resolve("data"),
                "")));
        Path log = dir.resolve("agent.log");
        agents.add(new Agent(name, member, adminPort, log, LocalCluster.startAgentProcess(config, log, environment, List.of())));
    }

    private static int status(Agent agent, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.adminPort() + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
