package io.steward.it.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoWriteConcernException;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The replica-set test server, driven only through the official MongoDB Java driver, as mongod would be. */
class MongoReplicaSetServerTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private MongoReplicaSet replicaSet;
    private final Map<MongoReplicaSetMember, MongoClient> directClients = new HashMap<>();
    private final List<MongoClient> otherClients = new ArrayList<>();

    @BeforeEach
    void startFreshMembers() {
        replicaSet = MongoReplicaSet.builder()
                .members(3)
                .electionTimeout(Duration.ofMillis(500))
                .start();
    }

    @AfterEach
    void stopEverything() {
        directClients.values().forEach(MongoClient::close);
        otherClients.forEach(MongoClient::close);
        replicaSet.close();
    }

    @Test
    void aFreshMemberIsAnUninitiatedReplicaSetMemberUntilInitiateChecksItsConfig() {
        MongoReplicaSetMember first = replicaSet.member(0);

        Document hello = admin(first, new Document("hello", 1));
        assertThat(hello.getBoolean("isWritablePrimary")).isFalse();
        assertThat(hello.getBoolean("isreplicaset")).isTrue();
        assertThat(hello.getString("info")).isEqualTo("Does not have a valid replica set config");
        assertThat(hello).doesNotContainKey("setName");
        assertThat(failure(first, new Document("replSetGetStatus", 1)).getErrorCode())
                .isEqualTo(94);
        MongoCommandException write = catchThrowableOfType(
                MongoCommandException.class,
                () -> direct(first).getDatabase("app").getCollection("orders").insertOne(new Document("_id", 1)));
        assertThat(write.getErrorCodeName()).isEqualTo("NotWritablePrimary");

        MongoCommandException wrongName =
                failure(first, new Document("replSetInitiate", config("other", 1, replicaSet.hosts())));
        assertThat(wrongName.getErrorCodeName()).isEqualTo("InvalidReplicaSetConfig");
        assertThat(wrongName.getErrorMessage()).contains("command line reports rs0");

        replicaSet.member(2).kill();
        MongoCommandException quorum =
                failure(first, new Document("replSetInitiate", config("rs0", 1, replicaSet.hosts())));
        assertThat(quorum.getErrorCodeName()).isEqualTo("NodeNotFound");
        assertThat(quorum.getErrorMessage()).contains(replicaSet.member(2).host() + " failed with");
    }

    @Test
    void anInitiatedSetHasAPrimaryThatAcknowledgesMajorityWritesReadableOnEverySecondary() {
        initiate();
        MongoCollection<Document> orders =
                setClient().getDatabase("app").getCollection("orders").withWriteConcern(WriteConcern.MAJORITY);

        orders.insertMany(
                List.of(new Document("_id", 1).append("item", "tea"), new Document("_id", 2).append("item", "jam")));
        orders.updateOne(new Document("_id", 2), new Document("$set", new Document("qty", 3)));

        MongoReplicaSetMember primary = awaitPrimary();
        Document hello = admin(primary, new Document("hello", 1));
        assertThat(hello.getString("setName")).isEqualTo("rs0");
        assertThat(hello.getList("hosts", String.class)).containsExactlyInAnyOrderElementsOf(replicaSet.hosts());
        assertThat(hello.getString("primary")).isEqualTo(primary.host()).isEqualTo(hello.getString("me"));
        assertThat(hello.getObjectId("electionId").toHexString()).startsWith("7fffffff");
        for (MongoReplicaSetMember secondary : secondaries(primary)) {
            assertThat(admin(secondary, new Document("hello", 1)).getBoolean("secondary"))
                    .isTrue();
            List<Document> copies = direct(secondary)
                    .getDatabase("app")
                    .getCollection("orders")
                    .find()
                    .sort(new Document("_id", 1))
                    .into(new ArrayList<>());
            assertThat(copies)
                    .containsExactly(
                            new Document("_id", 1).append("item", "tea"),
                            new Document("_id", 2).append("item", "jam").append("qty", 3));
        }
    }

    @Test
    void reconfigAddsAMemberAndAnArbiterOneVoterAtATimeOnThePrimaryOnly() {
        initiate();
        setClient().getDatabase("app").getCollection("orders").insertOne(new Document("_id", 1));
        MongoReplicaSetMember primary = awaitPrimary();
        MongoReplicaSetMember fourth = replicaSet.addMember();
        MongoReplicaSetMember arbiter = replicaSet.addMember();
        Document current = admin(primary, new Document("replSetGetConfig", 1)).get("config", Document.class);
        int version = current.getInteger("version");
        List<Document> withFourth = withMember(current, new Document("_id", 3).append("host", fourth.host()));

        MongoCommandException sameVersion =
                failure(primary, new Document("replSetReconfig", new Document(current).append("members", withFourth)));
        assertThat(sameVersion.getErrorCodeName()).isEqualTo("NewReplicaSetConfigurationIncompatible");
        MongoCommandException onSecondary = failure(
                secondaries(primary).get(0),
                new Document("replSetReconfig", new Document(current).append("version", version + 1)));
        assertThat(onSecondary.getErrorCode()).isEqualTo(10107);
        List<Document> twoVotersMore = new ArrayList<>(withFourth);
        twoVotersMore.add(new Document("_id", 4).append("host", arbiter.host()).append("arbiterOnly", true));
        MongoCommandException twoAtOnce = failure(
                primary,
                new Document(
                        "replSetReconfig",
                        new Document(current).append("version", version + 1).append("members", twoVotersMore)));
        assertThat(twoAtOnce.getErrorCode()).isEqualTo(103);
        assertThat(twoAtOnce.getErrorMessage()).contains("at most 1 voting member");

        admin(
                primary,
                new Document(
                        "replSetReconfig",
                        new Document(current).append("version", version + 1).append("members", withFourth)));
        admin(
                primary,
                new Document(
                        "replSetReconfig",
                        new Document(current).append("version", version + 2).append("members", twoVotersMore)));

        Document config = admin(primary, new Document("replSetGetConfig", 1)).get("config", Document.class);
        assertThat(config.getInteger("version")).isEqualTo(version + 2);
        await().atMost(PATIENCE).untilAsserted(() -> {
            Map<String, String> states = states(admin(primary, new Document("replSetGetStatus", 1)));
            assertThat(states).containsEntry(fourth.host(), "SECONDARY").containsEntry(arbiter.host(), "ARBITER");
        });
        assertThat(direct(fourth).getDatabase("app").getCollection("orders").countDocuments())
                .isEqualTo(1);
        assertThat(admin(arbiter, new Document("hello", 1)).getBoolean("arbiterOnly"))
                .isTrue();

        List<Document> withoutFourth = new ArrayList<>(twoVotersMore);
        withoutFourth.removeIf(member -> member.getString("host").equals(fourth.host()));
        admin(
                primary,
                new Document(
                        "replSetReconfig",
                        new Document(current).append("version", version + 3).append("members", withoutFourth)));

        assertThat(admin(fourth, new Document("hello", 1)).getBoolean("isreplicaset"))
                .isTrue();
        MongoCommandException removed = failure(fourth, new Document("replSetGetStatus", 1));
        assertThat(removed.getErrorCodeName()).isEqualTo("InvalidReplicaSetConfig");
        assertThat(removed.getResponse().getString("stateStr").getValue()).isEqualTo("REMOVED");
    }

    @Test
    void whenThePrimaryDiesAnotherIsElectedInANewTermAndTheOldOneComesBackAsACaughtUpSecondary() {
        initiate();
        MongoCollection<Document> orders =
                setClient().getDatabase("app").getCollection("orders").withWriteConcern(WriteConcern.MAJORITY);
        orders.insertOne(new Document("_id", 1));
        MongoReplicaSetMember oldPrimary = awaitPrimary();
        Document before = admin(oldPrimary, new Document("hello", 1));
        long oldTerm = admin(oldPrimary, new Document("replSetGetStatus", 1)).getLong("term");

        oldPrimary.kill();

        MongoReplicaSetMember newPrimary = await().atMost(PATIENCE)
                .until(this::currentPrimary, primary -> primary != null && primary != oldPrimary);
        Document after = admin(newPrimary, new Document("hello", 1));
        assertThat(after.getObjectId("electionId")).isNotEqualTo(before.getObjectId("electionId"));
        assertThat(admin(newPrimary, new Document("replSetGetStatus", 1)).getLong("term"))
                .isGreaterThan(oldTerm);
        orders.insertOne(new Document("_id", 2));
        assertThat(states(admin(newPrimary, new Document("replSetGetStatus", 1))))
                .containsEntry(oldPrimary.host(), "(not reachable/healthy)");

        oldPrimary.start();

        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(admin(oldPrimary, new Document("hello", 1)).getBoolean("secondary"))
                    .isTrue();
            assertThat(direct(oldPrimary)
                            .getDatabase("app")
                            .getCollection("orders")
                            .countDocuments())
                    .isEqualTo(2);
        });
        Document status = admin(newPrimary, new Document("replSetGetStatus", 1));
        assertThat(optime(status, oldPrimary.host())).isEqualTo(optime(status, newPrimary.host()));
    }

    @Test
    void aSteppedDownPrimaryDoesNotStandAgainDuringItsStepdownPeriod() {
        initiate();
        MongoReplicaSetMember first = awaitPrimary();
        MongoCommandException onSecondary = failure(secondaries(first).get(0), new Document("replSetStepDown", 60));
        assertThat(onSecondary.getErrorCodeName()).isEqualTo("NotWritablePrimary");
        MongoCommandException tooShort = failure(first, new Document("replSetStepDown", 5));
        assertThat(tooShort.getErrorCodeName()).isEqualTo("BadValue");

        admin(first, new Document("replSetStepDown", 60).append("secondaryCatchUpPeriodSecs", 5));
        MongoReplicaSetMember second =
                await().atMost(PATIENCE).until(this::currentPrimary, primary -> primary != null && primary != first);
        assertThat(admin(first, new Document("hello", 1)).getBoolean("secondary"))
                .isTrue();
        admin(second, new Document("replSetStepDown", 60));

        MongoReplicaSetMember third =
                await().atMost(PATIENCE).until(this::currentPrimary, primary -> primary != null && primary != second);
        assertThat(third).isNotIn(first, second);
    }

    @Test
    void aCleanlyStoppedPrimaryHandsOverWithoutWaitingForTheElectionTimeout() {
        replicaSet.close();
        replicaSet = MongoReplicaSet.builder()
                .members(3)
                .electionTimeout(Duration.ofMinutes(5))
                .start();
        initiate();
        MongoReplicaSetMember stopped = awaitPrimary();

        stopped.stop();

        MongoReplicaSetMember successor =
                await().atMost(PATIENCE).until(this::currentPrimary, primary -> primary != null);
        assertThat(successor).isNotEqualTo(stopped);
    }

    @Test
    void aPrimaryThatCanNoLongerSeeAMajorityStepsDown() {
        initiate();
        MongoReplicaSetMember primary = awaitPrimary();

        secondaries(primary).forEach(MongoReplicaSetMember::kill);

        await().atMost(PATIENCE).untilAsserted(() -> {
            Document hello = admin(primary, new Document("hello", 1));
            assertThat(hello.getBoolean("isWritablePrimary")).isFalse();
            assertThat(hello.getBoolean("secondary")).isTrue();
        });
    }

    @Test
    void aPrimaryRefusesToStepDownUntilAnElectableSecondaryHasCaughtUp() {
        initiate();
        MongoReplicaSetMember primary = awaitPrimary();
        MongoReplicaSetMember catchingUp = secondaries(primary).get(0);
        MongoReplicaSetMember lagging = secondaries(primary).get(1);
        secondaries(primary).forEach(secondary -> admin(secondary, new Document("fsync", 1).append("lock", true)));
        setClient()
                .getDatabase("app")
                .getCollection("orders")
                .withWriteConcern(WriteConcern.W1)
                .insertOne(new Document("_id", 1));

        MongoWriteConcernException unreplicated = catchThrowableOfType(
                MongoWriteConcernException.class,
                () -> setClient()
                        .getDatabase("app")
                        .getCollection("orders")
                        .withWriteConcern(WriteConcern.MAJORITY.withWTimeout(300, TimeUnit.MILLISECONDS))
                        .insertOne(new Document("_id", 2)));
        assertThat(unreplicated.getWriteConcernError().getCodeName()).isEqualTo("WriteConcernFailed");

        Document status = admin(primary, new Document("replSetGetStatus", 1));
        assertThat(optime(status, lagging.host())).isNotEqualTo(optime(status, primary.host()));
        assertThat(direct(lagging).getDatabase("app").getCollection("orders").countDocuments())
                .isZero();
        MongoCommandException refused =
                failure(primary, new Document("replSetStepDown", 2).append("secondaryCatchUpPeriodSecs", 1));
        assertThat(refused.getErrorCodeName()).isEqualTo("ExceededTimeLimit");

        admin(catchingUp, new Document("fsyncUnlock", 1));
        admin(primary, new Document("replSetStepDown", 30).append("secondaryCatchUpPeriodSecs", 10));

        assertThat(await().atMost(PATIENCE).until(this::currentPrimary, next -> next != null))
                .isEqualTo(catchingUp);
        assertThat(direct(catchingUp).getDatabase("app").getCollection("orders").countDocuments())
                .isEqualTo(2);
    }

    @Test
    void aMemberGivenAHigherPriorityTakesOverOnceItHasCaughtUp() {
        initiate();
        MongoReplicaSetMember primary = awaitPrimary();
        MongoReplicaSetMember preferred = secondaries(primary).get(1);
        Document config = admin(primary, new Document("replSetGetConfig", 1)).get("config", Document.class);
        List<Document> members = new ArrayList<>(config.getList("members", Document.class));
        members.replaceAll(member -> member.getString("host").equals(preferred.host())
                ? new Document(member).append("priority", 2.0)
                : member);

        admin(
                primary,
                new Document(
                        "replSetReconfig",
                        new Document(config)
                                .append("version", config.getInteger("version") + 1)
                                .append("members", members)));

        assertThat(await().atMost(PATIENCE).until(this::currentPrimary, next -> next != null && next != primary))
                .isEqualTo(preferred);
    }

    @Test
    void anFsyncLockHoldsWritesBackUntilTheLastUnlock() throws Exception {
        initiate();
        MongoReplicaSetMember primary = awaitPrimary();
        MongoCollection<Document> orders =
                setClient().getDatabase("app").getCollection("orders").withWriteConcern(WriteConcern.W1);
        orders.insertOne(new Document("_id", 1));

        Document locked = admin(primary, new Document("fsync", 1).append("lock", true));
        assertThat(locked.getLong("lockCount")).isEqualTo(1);
        assertThat(locked.getString("info")).contains("now locked against writes");
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> orders.insertOne(new Document("_id", 2)));

        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(
                                admin(primary, new Document("currentOp", 1).append("waitingForLock", true))
                                        .getList("inprog", Document.class))
                        .extracting(operation -> operation.getString("op"))
                        .containsExactly("insert"));
        Document queue = admin(primary, new Document("serverStatus", 1))
                .get("globalLock", Document.class)
                .get("currentQueue", Document.class);
        assertThat(queue.getLong("writers")).isEqualTo(1);
        assertThat(write).isNotDone();
        assertThat(admin(primary, new Document("fsyncUnlock", 1)).getLong("lockCount"))
                .isZero();
        write.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(orders.countDocuments()).isEqualTo(2);

        MongoCommandException notLocked = failure(primary, new Document("fsyncUnlock", 1));
        assertThat(notLocked.getErrorCodeName()).isEqualTo("IllegalOperation");
        assertThat(notLocked.getErrorMessage()).isEqualTo("fsyncUnlock called when not locked");
    }

    @Test
    void serverStatusCountsConnectionsAndReportsTheMember() {
        initiate();
        MongoReplicaSetMember member = awaitPrimary();
        Document status = admin(member, new Document("serverStatus", 1));
        assertThat(status.getString("host")).isEqualTo(member.host());
        assertThat(status.getString("process")).isEqualTo("mongod");
        assertThat(status.getString("version")).startsWith("7.0.");
        assertThat(status.get("uptime", Number.class).doubleValue()).isGreaterThanOrEqualTo(0);
        assertThat(status.get("mem", Document.class).getLong("resident")).isPositive();
        assertThat(status.get("metrics", Document.class)
                        .get("cursor", Document.class)
                        .get("open", Document.class)
                        .getLong("total"))
                .isGreaterThanOrEqualTo(0);
        assertThat(status.get("repl", Document.class).getBoolean("isWritablePrimary"))
                .isTrue();
        int connectionsBefore = connections(member);
        assertThat(connectionsBefore).isPositive();

        MongoClient another = MongoClients.create(settings(member.directConnectionString()));
        another.getDatabase("admin").runCommand(new Document("ping", 1));

        await().atMost(PATIENCE).until(() -> connections(member) > connectionsBefore);
        another.close();
        await().atMost(PATIENCE).until(() -> connections(member) == connectionsBefore);
        Document connections = admin(member, new Document("serverStatus", 1)).get("connections", Document.class);
        assertThat(connections.getLong("totalCreated")).isGreaterThan(connectionsBefore);
        assertThat(connections.getInteger("available")).isPositive();
    }

    private void initiate() {
        admin(replicaSet.member(0), new Document("replSetInitiate", config("rs0", 1, replicaSet.hosts())));
        awaitPrimary();
    }

    private static Document config(String name, int version, List<String> hosts) {
        List<Document> members = IntStream.range(0, hosts.size())
                .mapToObj(i -> new Document("_id", i).append("host", hosts.get(i)))
                .toList();
        return new Document("_id", name).append("version", version).append("members", members);
    }

    private static List<Document> withMember(Document config, Document member) {
        List<Document> members = new ArrayList<>(config.getList("members", Document.class));
        members.add(member);
        return members;
    }

    private MongoReplicaSetMember awaitPrimary() {
        return await().atMost(PATIENCE).until(this::currentPrimary, primary -> primary != null);
    }

    /** The running member whose own hello says it is the writable primary. */
    private MongoReplicaSetMember currentPrimary() {
        return replicaSet.members().stream()
                .filter(MongoReplicaSetMember::isRunning)
                .filter(member -> admin(member, new Document("hello", 1)).getBoolean("isWritablePrimary"))
                .findFirst()
                .orElse(null);
    }

    private List<MongoReplicaSetMember> secondaries(MongoReplicaSetMember primary) {
        return replicaSet.members().stream().filter(member -> member != primary).toList();
    }

    private static Map<String, String> states(Document replSetStatus) {
        Map<String, String> states = new HashMap<>();
        replSetStatus
                .getList("members", Document.class)
                .forEach(member -> states.put(member.getString("name"), member.getString("stateStr")));
        return states;
    }

    private static Document optime(Document replSetStatus, String host) {
        return replSetStatus.getList("members", Document.class).stream()
                .filter(member -> member.getString("name").equals(host))
                .findFirst()
                .orElseThrow()
                .get("optime", Document.class);
    }

    private int connections(MongoReplicaSetMember member) {
        return admin(member, new Document("serverStatus", 1))
                .get("connections", Document.class)
                .getInteger("current");
    }

    private Document admin(MongoReplicaSetMember member, Document command) {
        return direct(member).getDatabase("admin").runCommand(command);
    }

    private MongoCommandException failure(MongoReplicaSetMember member, Document command) {
        return catchThrowableOfType(MongoCommandException.class, () -> admin(member, command));
    }

    private MongoClient direct(MongoReplicaSetMember member) {
        return directClients.computeIfAbsent(member, m -> MongoClients.create(settings(m.directConnectionString())));
    }

    private MongoClient setClient() {
        MongoClient client = MongoClients.create(settings(replicaSet.connectionString()));
        otherClients.add(client);
        return client;
    }

    /** The driver's defaults, but with monitoring and server selection at the pace of a test. */
    private static MongoClientSettings settings(String connectionString) {
        return MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(connectionString))
                .applyToClusterSettings(cluster -> cluster.serverSelectionTimeout(10, TimeUnit.SECONDS))
                .applyToServerSettings(server -> server.heartbeatFrequency(500, TimeUnit.MILLISECONDS))
                .applyToSocketSettings(socket -> socket.connectTimeout(2, TimeUnit.SECONDS))
                .build();
    }
}
