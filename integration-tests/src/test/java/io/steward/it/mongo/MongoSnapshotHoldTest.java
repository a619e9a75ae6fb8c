package io.steward.it.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineException;
import io.steward.engine.SnapshotHold;
import io.steward.engine.VolumeSnapshots;
import io.steward.plugins.EngineRegistry;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MongoDB engine's hold around a volume snapshot, against the replica-set test server through the real driver:
 * writes wait while it is held, go through once it is released, and a hold that outlives {@code fsync_lock_limit}
 * or is abandoned is lifted all the same.
 */
class MongoSnapshotHoldTest {
    @TempDir
    static Path state;

    private static MongoReplicaSet set;
    private static MongoReplicaSetMember member;
    private static MongoClient client;
    /** Holds for as long as a test needs, so that no step of it races the watchdog. */
    private static Engine engine;
    /** Its watchdog lifts a hold after one second. */
    private static Engine hasty;

    @BeforeAll
    static void startAOneMemberSet() {
        set = MongoReplicaSet.start(1);
        member = set.member(0);
        client = MongoClients.create(member.directConnectionString());
        client.getDatabase("admin")
                .runCommand(new Document(
                        "replSetInitiate",
                        new Document("_id", member.replSetName())
                                .append("members", List.of(new Document("_id", 0).append("host", member.host())))));
        await("a primary")
                .atMost(Duration.ofSeconds(30))
                .until(() -> set.primary().isPresent());
        engine = engine("10m");
        hasty = engine("1s");
    }

    private static Engine engine(String fsyncLockLimit) {
        ObjectNode section = JsonNodeFactory.instance
                .objectNode()
                .put("port", member.port())
                .put("replica_set", member.replSetName())
                .put("request_timeout", "5s")
                .put("fsync_lock_limit", fsyncLockLimit)
                .put("data_dir", state.resolve("data").toString());
        ConfigProblems problems = new ConfigProblems();
        Settings settings = new Settings("mongodb", section, problems);
        Engine created = EngineRegistry.find("mongodb")
                .orElseThrow()
                .configure(new EngineContext("m1", "127.0.0.1", settings, state, new MetricRegistry()))
                .create();
        settings.rejectUnknownKeys();
        assertThat(problems.list()).isEmpty();
        return created;
    }

    @AfterAll
    static void stop() {
        engine.close();
        hasty.close();
        client.close();
        set.close();
    }

    @Test
    void writesWaitWhileTheHoldIsOpenAndGoThroughOnceItIsReleased() throws Exception {
        SnapshotHold hold = hold(engine, "hold-test");
        try {
            assertThat(locked()).isTrue();
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> client.getDatabase("app")
                    .getCollection("orders")
                    .insertOne(new Document("item", "written during the hold")));

            await("the write waiting for the lock")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> currentOp().getList("inprog", Document.class).stream()
                            .anyMatch(op -> Boolean.TRUE.equals(op.get("waitingForLock"))));
            assertThat(write).isNotDone();

            assertThat(hold.release().timeline()).isEqualTo(hold.timeline());
            write.get(30, TimeUnit.SECONDS);
        } finally {
            hold.close();
        }
        assertThat(locked()).isFalse();
        assertThat(client.getDatabase("app")
                        .getCollection("orders")
                        .countDocuments(new Document("item", "written during the hold")))
                .isEqualTo(1);
    }

    @Test
    void aHoldOutlivingTheLimitIsLiftedByTheWatchdogAndItsReleaseSaysSo() {
        SnapshotHold hold = hold(hasty, "forgotten");
        assertThat(locked()).isTrue();

        await("the watchdog lifting the lock")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !locked());

        assertThatThrownBy(hold::release)
                .isInstanceOf(EngineException.class)
                .hasMessage(
                        "the fsync lock for snapshot forgotten was lifted by its watchdog before the snapshot finished; "
                                + "it may not be consistent");
        hold.close();
        assertThat(locked()).isFalse();
    }

    @Test
    void anAbandonedHoldIsLiftedAtOnce() {
        SnapshotHold hold = hold(engine, "failed");
        assertThat(locked()).isTrue();

        hold.close();
        hold.close();

        assertThat(locked()).isFalse();
    }

    private static SnapshotHold hold(Engine engine, String label) {
        return engine.capability(VolumeSnapshots.class).orElseThrow().holdForSnapshot(label);
    }

    private static boolean locked() {
        return Boolean.TRUE.equals(currentOp().get("fsyncLock"));
    }

    private static Document currentOp() {
        return client.getDatabase("admin").runCommand(new Document("currentOp", 1));
    }
}
