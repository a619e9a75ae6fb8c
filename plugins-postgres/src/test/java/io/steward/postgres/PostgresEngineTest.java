package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.steward.engine.DataState;
import io.steward.engine.Endpoint;
import io.steward.engine.EngineStatus;
import io.steward.engine.Peer;
import io.steward.engine.ReplicaLink;
import io.steward.engine.Role;
import io.steward.postgres.TestNodes.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The engine against real PostgreSQL 15 servers on loopback. */
@Tag("servers")
@Tag("root")
class PostgresEngineTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private TestNodes nodes;

    @BeforeEach
    void startFresh() throws Exception {
        nodes = new TestNodes();
    }

    @AfterEach
    void stopEverything() throws Exception {
        nodes.close();
    }

    @Test
    void probeTellsMissingEmptyAndGarbageDataDirectoriesApart() throws Exception {
        Node node = nodes.node("n1");
        assertThat(node.engine().probe()).satisfies(status -> {
            assertThat(status.role()).isEqualTo(Role.STOPPED);
            assertThat(status.dataState()).isEqualTo(DataState.EMPTY);
        });

        Files.createDirectories(node.dataDir());
        assertThat(node.engine().probe().dataState()).isEqualTo(DataState.EMPTY);
        // not empty: then it must be the server user's before anything in it is read
        Files.writeString(node.dataDir().resolve("junk.txt"), "not a database");
        assertThat(node.engine().probe().problem())
                .hasValueSatisfying(problem ->
                        assertThat(problem).contains(node.dataDir() + " belongs to user id 0, not to postgres"));
        Files.setOwner(
                node.dataDir(),
                node.dataDir().getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));

        EngineStatus garbage = node.engine().probe();
        assertThat(garbage.role()).isEqualTo(Role.STOPPED);
        assertThat(garbage.dataState()).isEqualTo(DataState.INVALID);
        assertThat(garbage.problem())
                .hasValueSatisfying(problem -> assertThat(problem).contains("PG_VERSION"));

        assertThatThrownBy(() -> node.engine().startAsPrimary()).hasMessageContaining("INVALID");
        assertThatThrownBy(() -> node.engine().initializeNewCluster()).hasMessageContaining("not empty");
    }

    @Test
    void initializesAWritablePrimary() throws Exception {
        Node a = nodes.node("node-a.example");
        a.engine().initializeNewCluster();

        EngineStatus status = a.engine().probe();
        assertThat(status.role()).isEqualTo(Role.PRIMARY);
        assertThat(status.dataState()).isEqualTo(DataState.VALID);
        assertThat(status.position()).isPositive();
        assertThat(status.timeline()).isEqualTo(1);
        assertThat(status.problem()).isEmpty();

        a.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('hello')");
        assertThat(a.column("SELECT v FROM t")).containsExactly("hello");
        assertThat(a.column("SELECT rolreplication::text FROM pg_roles WHERE rolname = 'replicator'"))
                .containsExactly("true");

        assertThatThrownBy(() -> a.engine().initializeNewCluster()).hasMessageContaining("is not empty");
    }

    @Test
    void cloneStreamsFromThePrimaryThroughItsSlot() throws Exception {
        Node a = nodes.node("node-a");
        Node b = nodes.node("node-b.zone-1");
        a.engine().initializeNewCluster();
        a.engine().reconcileReplicationSlots(Set.of("node-a", "node-b.zone-1"));
        assertThat(a.column("SELECT slot_name FROM pg_replication_slots")).containsExactly("node_b_zone_1");

        b.engine().cloneFrom(a.peer());
        await().atMost(PATIENCE).until(() -> b.engine().probe().streaming());
        EngineStatus replica = b.engine().probe();
        assertThat(replica.role()).isEqualTo(Role.REPLICA);
        assertThat(replica.upstream()).contains("127.0.0.1:" + a.port());
        assertThat(replica.timeline()).isEqualTo(1);

        a.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('replicated')");
        await().atMost(PATIENCE).until(() -> b.columnOrEmpty("SELECT v FROM t").contains("replicated"));
        await().atMost(PATIENCE)
                .until(() -> a.engine().probe().replicas().stream()
                        .anyMatch(link -> link.name().equals("node-b.zone-1") && link.flushPosition() > 0));
        assertThat(a.column("SELECT active::text FROM pg_replication_slots WHERE slot_name = 'node_b_zone_1'"))
                .containsExactly("true");
        assertThat(b.engine().probe().position()).isPositive();

        // Replicas ignore slot changes; a member that left loses its slot once it no longer streams.
        b.engine().reconcileReplicationSlots(Set.of());
        b.engine().stop();
        await().atMost(PATIENCE)
                .until(() -> a.column("SELECT active::text FROM pg_replication_slots")
                        .equals(List.of("false")));
        a.engine().reconcileReplicationSlots(Set.of("node-a"));
        assertThat(a.column("SELECT slot_name FROM pg_replication_slots")).isEmpty();
        assertThat(b.engine().probe().role()).isEqualTo(Role.STOPPED);
    }

    @Test
    void synchronousStandbysComeAndGo() throws Exception {
        Node a = nodes.node("a");
        Node b = nodes.node("b");
        startPrimaryWithReplicas(a, b);

        a.engine().setSynchronousStandbys(List.of("b"));
        assertThat(a.column("SHOW synchronous_standby_names")).containsExactly("FIRST 1 (\"b\")");
        await().atMost(PATIENCE)
                .until(() -> a.engine().probe().replicas().stream().anyMatch(ReplicaLink::synchronous));
        assertThat(a.column("SELECT application_name || ' ' || sync_state FROM pg_stat_replication"))
                .containsExactly("b sync");
        a.execute("CREATE TABLE t (v int); INSERT INTO t VALUES (1)");

        a.engine().setSynchronousStandbys(List.of());
        assertThat(a.column("SHOW synchronous_standby_names")).containsExactly("");
        await().atMost(PATIENCE)
                .until(() -> a.engine().probe().replicas().stream().noneMatch(ReplicaLink::synchronous));
        assertThat(a.engine().probe().replicas()).extracting(ReplicaLink::name).containsExactly("b");
    }

    @Test
    void fenceStopsWritesAtOnce() throws Exception {
        Node a = nodes.node("a");
        a.engine().initializeNewCluster();
        a.execute("CREATE TABLE t (v int)");

        a.engine().fence();

        assertThatThrownBy(() -> a.execute("INSERT INTO t VALUES (1)")).isInstanceOf(SQLException.class);
        EngineStatus status = a.engine().probe();
        assertThat(status.role()).isEqualTo(Role.STOPPED);
        assertThat(status.problem()).contains("not running");
        a.engine().fence();
        a.engine().stop();
        assertThat(a.engine().fenceCommand())
                .last()
                .asString()
                .contains("pg_ctl")
                .contains("-m' 'fast")
                .contains("-m' 'immediate")
                .contains(a.dataDir().toString());
    }

    @Test
    void aRestartKeepsTheRoleAndAppliesWhatWasPendingAndAReloadWhatWasNot() throws Exception {
        Node a = nodes.node("a");
        a.engine().initializeNewCluster();
        PostgresEngine engine = a.engine();
        assertThat(engine.settingsPendingRestart()).isEmpty();

        a.execute("ALTER SYSTEM SET max_connections = 123");
        a.execute("ALTER SYSTEM SET work_mem = '7MB'");
        engine.reload();
        await().atMost(PATIENCE).until(() -> a.column("SHOW work_mem").equals(List.of("7MB")));
        await().atMost(PATIENCE)
                .until(engine::settingsPendingRestart, pending -> pending.equals(List.of("max_connections")));

        engine.restart();

        assertThat(engine.probe().role()).isEqualTo(Role.PRIMARY);
        assertThat(a.column("SHOW max_connections")).containsExactly("123");
        assertThat(engine.settingsPendingRestart()).isEmpty();
        engine.stop();
        assertThatThrownBy(engine::restart).hasMessageContaining("restart: the server is not running");
    }

    @Test
    void deposedPrimaryRewindsAndFollowsTheNewOne() throws Exception {
        Node a = nodes.node("a");
        Node b = nodes.node("b");
        startPrimaryWithReplicas(a, b);
        a.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('before failover')");
        await().atMost(PATIENCE).until(() -> b.columnOrEmpty("SELECT v FROM t").contains("before failover"));

        b.engine().promote();
        assertThat(b.engine().probe().role()).isEqualTo(Role.PRIMARY);
        assertThat(b.engine().probe().timeline()).isEqualTo(2);
        b.engine().promote();
        a.execute("INSERT INTO t VALUES ('lost on a')");
        b.execute("INSERT INTO t VALUES ('written on b')");
        a.engine().fence();
        b.engine().reconcileReplicationSlots(Set.of("a", "b"));

        a.engine().startAsReplica(Optional.of(b.peer()));

        await().atMost(PATIENCE).until(() -> a.engine().probe().streaming());
        assertThat(a.engine().probe().timeline()).isEqualTo(2);
        assertThat(a.column("SELECT v FROM t ORDER BY v")).containsExactly("before failover", "written on b");
        b.execute("INSERT INTO t VALUES ('after rejoin')");
        await().atMost(PATIENCE).until(() -> a.columnOrEmpty("SELECT v FROM t").contains("after rejoin"));
        assertThat(a.column("SHOW port")).containsExactly(Integer.toString(a.port()));
    }

    @Test
    void replicaFollowsAPromotedSibling() throws Exception {
        Node a = nodes.node("a");
        Node b = nodes.node("b");
        Node c = nodes.node("c");
        startPrimaryWithReplicas(a, b, c);
        a.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('from a')");
        await().atMost(PATIENCE)
                .until(() -> b.columnOrEmpty("SELECT v FROM t").contains("from a")
                        && c.columnOrEmpty("SELECT v FROM t").contains("from a"));

        a.engine().fence();
        b.engine().promote();
        b.engine().reconcileReplicationSlots(Set.of("a", "b", "c"));
        c.engine().follow(b.peer());

        b.execute("INSERT INTO t VALUES ('from b')");
        await().atMost(PATIENCE).until(() -> c.columnOrEmpty("SELECT v FROM t").contains("from b"));
        await().atMost(PATIENCE)
                .until(() -> c.engine().probe().upstream().equals(Optional.of("127.0.0.1:" + b.port())));
        assertThat(c.engine().probe().timeline()).isEqualTo(2);

        // The old primary comes back through follow as well, and following the same primary again changes nothing.
        a.engine().follow(b.peer());
        await().atMost(PATIENCE).until(() -> a.engine().probe().streaming());
        c.engine().follow(b.peer());
        assertThat(c.engine().probe().streaming()).isTrue();

        // On the primary's timeline a replica is repointed by a reload, without a restart.
        List<String> startedAt = c.column("SELECT pg_postmaster_start_time()::text");
        c.engine().follow(new Peer("nowhere", new Endpoint("127.0.0.1", TestNodes.freePort())));
        await().atMost(PATIENCE).until(() -> !c.engine().probe().streaming());
        c.engine().follow(b.peer());
        await().atMost(PATIENCE).until(() -> c.engine().probe().streaming());
        assertThat(c.column("SELECT pg_postmaster_start_time()::text")).isEqualTo(startedAt);
    }

    @Test
    void reinitializeMovesTheOldDataAsideAndStreamsAgain() throws Exception {
        Node a = nodes.node("a");
        Node b = nodes.node("b");
        startPrimaryWithReplicas(a, b);

        b.engine().reinitializeFrom(a.peer());

        try (Stream<Path> siblings = Files.list(b.folder())) {
            assertThat(siblings.map(path -> path.getFileName().toString()))
                    .anyMatch(name -> name.startsWith("data.reinit-"));
        }
        await().atMost(PATIENCE).until(() -> b.engine().probe().streaming());
        a.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('after reinit')");
        await().atMost(PATIENCE).until(() -> b.columnOrEmpty("SELECT v FROM t").contains("after reinit"));
    }

    @Test
    void aFailedRewindSaysSoAndReinitializingRepairsIt() throws Exception {
        Node a = nodes.node("a");
        Node stranger = nodes.node("stranger");
        a.engine().initializeNewCluster();
        stranger.engine().initializeNewCluster();
        a.engine().fence();

        // Another cluster's history cannot be rewound to: the core then reinitialises.
        assertThatThrownBy(() -> a.engine().startAsReplica(Optional.of(stranger.peer())))
                .hasMessageContaining("rewind from stranger failed")
                .hasMessageContaining("different systems");
        assertThat(a.engine().probe().role()).isEqualTo(Role.STOPPED);

        stranger.engine().reconcileReplicationSlots(Set.of("a", "stranger"));
        a.engine().reinitializeFrom(stranger.peer());
        await().atMost(PATIENCE).until(() -> a.engine().probe().streaming());
    }

    @Test
    void startAsPrimaryRecoversFromAKilledPostmaster() throws Exception {
        Node a = nodes.node("a");
        a.engine().initializeNewCluster();
        a.execute("CREATE TABLE t (v int); INSERT INTO t SELECT generate_series(1, 1000)");

        TestNodes.killPostmaster(a);
        assertThat(a.engine().probe().role()).isEqualTo(Role.STOPPED);

        a.engine().startAsPrimary();

        assertThat(a.engine().probe().role()).isEqualTo(Role.PRIMARY);
        assertThat(a.column("SELECT count(*) FROM t")).containsExactly("1000");
        a.execute("INSERT INTO t VALUES (1001)");
        a.engine().startAsPrimary();
    }

    @Test
    void replicaWithoutPrimaryOnlyReplaysWhatItHas() throws Exception {
        Node a = nodes.node("a");
        Node b = nodes.node("b");
        startPrimaryWithReplicas(a, b);
        b.engine().stop();
        assertThat(b.engine().probe().role()).isEqualTo(Role.STOPPED);

        b.engine().startAsReplica(Optional.empty());

        EngineStatus status = b.engine().probe();
        assertThat(status.role()).isEqualTo(Role.REPLICA);
        assertThat(status.upstream()).isEmpty();
        assertThat(status.problem()).isEmpty();
        assertThat(status.position()).isPositive();
    }

    @Test
    void aCaughtUpReplicaOfAnIdlePrimaryIsNotBehindAndARestartSettingChangeIsPending() throws Exception {
        Node a = nodes.node("node-a");
        Node b = nodes.node("node-b");
        startPrimaryWithReplicas(a, b);
        a.execute("CREATE TABLE d (v int); INSERT INTO d VALUES (1)");
        await().atMost(PATIENCE)
                .until(() -> b.columnOrEmpty("SELECT v::text FROM d").contains("1"));

        // the primary stays idle: the last replayed commit grows old, the replica is no further behind for it
        await().during(Duration.ofSeconds(2))
                .atMost(PATIENCE)
                .until(() -> b.engine().probe().streaming()
                        && b.engine().replayDelay().equals(Optional.of(Duration.ZERO)));
        a.engine().probe();
        assertThat(a.engine().replayDelay()).contains(Duration.ZERO);
        assertThat(a.engine().pendingRestart()).isFalse();

        a.execute("ALTER SYSTEM SET max_connections = 123");
        a.execute("SELECT pg_reload_conf()");
        await().atMost(PATIENCE).until(() -> {
            a.engine().probe();
            return a.engine().pendingRestart();
        });

        b.engine().stop();
        b.engine().probe();
        assertThat(b.engine().replayDelay()).isEmpty();
        assertThat(b.engine().pendingRestart()).isFalse();
    }

    private static void startPrimaryWithReplicas(Node primary, Node... replicas) {
        primary.engine().initializeNewCluster();
        Set<String> members = new HashSet<>(Set.of(primary.name()));
        for (Node replica : replicas) {
            members.add(replica.name());
        }
        primary.engine().reconcileReplicationSlots(members);
        for (Node replica : replicas) {
            replica.engine().cloneFrom(primary.peer());
            await().atMost(PATIENCE).until(() -> replica.engine().probe().streaming());
        }
    }
}
