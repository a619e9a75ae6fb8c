package io.steward.it.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.steward.it.LocalCluster;
import io.steward.it.acceptance.InstalledSteward;
import io.steward.it.mongo.MongoCluster.Agent;
import io.steward.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input around MongoDB: settings and the book's user data refused key by key before anything is touched, a
 * member that does not answer reported as such, and a reconfiguration MongoDB refuses logged in its words while the
 * set stays as it was.
 */
class MongoBadInputTest {
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
    void badSettingsStopTheAgentBeforeItTouchesTheServer() throws Exception {
        MongoReplicaSetMember member = cluster.set().addMember();
        Path config = cluster.writeConfig(
                        "bad", member.port(), "rs.0", "primary", "  size: 100\n  source: snap-78ee631b")
                .file();

        LocalCluster.AgentExit run = LocalCluster.runAgentUntilItExits(config);

        assertThat(run.exitCode()).as(run.output()).isEqualTo(2);
        assertThat(run.output())
                .contains(
                        "mongodb.replica_set",
                        "'rs.0'",
                        "MongoDB refuses dots",
                        "mongodb.role",
                        "'primary'",
                        "active, arbiter, hidden",
                        "mongodb.size",
                        "Steward does not create the data volume",
                        "mongodb.source",
                        "seeding it from an EBS snapshot is not built yet");
        try (MongoClient client = MongoClients.create(member.directConnectionString())) {
            assertThat(client.getDatabase("admin")
                            .runCommand(new Document("hello", 1))
                            .getString("setName"))
                    .as("the set was not initiated")
                    .isNull();
        }
    }

    @Test
    void theBooksUserDataNamesTheSetAndBadKeysAreRefusedOneByOne() throws Exception {
        MongoReplicaSetMember member = cluster.set().addMember();
        Path config = cluster.writeConfig("m1", member.port(), "placeholder", "active", "")
                .file();
        // the set's name and the role come from user data, as the book launches its members
        String withoutThem = Files.readString(config)
                .replace("  replica_set: placeholder\n", "")
                .replace("  role: active\n", "");
        Files.writeString(config, withoutThem);
        Path good = Files.writeString(config.resolveSibling("good.json"), "{\"name\": \"rs0\", \"role\": \"arbiter\"}");
        Path bad = Files.writeString(
                config.resolveSibling("bad.json"), "{\"name\": \"rs0\", \"role\": \"observer\", \"size\": 100}");

        assertThat(validate(config, good)).isEqualTo(new Validation(0, ""));
        Validation refused = validate(config, bad);

        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.errors())
                .contains(
                        "mongodb.role (from user data file " + bad + " key 'role')",
                        "'observer'",
                        "mongodb.size (from user data file " + bad + " key 'size')");
    }

    @Test
    void aMemberThatDoesNotAnswerIsReportedAndNothingIsCreated() throws Exception {
        MongoCluster.AgentConfig config = cluster.writeConfig("lost", FreePorts.next(), "rs0", "active", "");
        Path log = config.file().resolveSibling("agent.log");
        Process agent = LocalCluster.startAgentProcess(config.file(), log, Map.of(), List.of());
        try {
            await("the agent reporting the unreachable server")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> MongoCluster.get(config.adminPort(), "/health")
                            .filter(r -> r.statusCode() == 503)
                            .filter(r -> r.body().contains("hello: server unreachable"))
                            .isPresent());
            assertThat(Files.readString(log)).doesNotContain("InitializeCluster");
        } finally {
            agent.destroyForcibly().waitFor();
        }
    }

    @Test
    void aReconfigurationMongoDbRefusesIsLoggedInItsWordsAndTheSetStaysAsItWas() throws Exception {
        cluster.startAgent("m1", "active", Map.of());
        cluster.startAgent("a1", "arbiter", Map.of());
        await("m1 and one arbiter in the set")
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                .ignoreExceptions()
                .until(() -> cluster.configHosts().size() == 2);
        int version = cluster.config().getInteger("version");

        // MongoDB 7.0 allows one arbiter per set unless told otherwise
        Agent second = cluster.startAgent("a2", "arbiter", Map.of());

        Agent primary = cluster.agent("m1");
        await("the primary's agent saying why")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> Files.readString(primary.log())
                        .contains("Lead failed: replSetReconfig refused: "
                                + "NewReplicaSetConfigurationIncompatible (103)"));
        assertThat(cluster.configHosts())
                .hasSize(2)
                .doesNotContain(second.member().host());
        assertThat(cluster.config().getInteger("version")).isEqualTo(version);
        await("the refused member still waiting to be added")
                .atMost(Duration.ofSeconds(30))
                .until(() ->
                        Files.readString(second.log()).contains("not a member yet; waiting for the elected primary"));
    }

    private record Validation(int exitCode, String errors) {}

    /** {@code steward validate-config} as installed. */
    private static Validation validate(Path config, Path userData) throws Exception {
        InstalledSteward.CliRun run = InstalledSteward.shared()
                .run("validate-config", "--config", config.toString(), "--user-data", userData.toString());
        return new Validation(run.exitCode(), run.err());
    }
}
