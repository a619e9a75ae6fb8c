package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.steward.engine.SnapshotHold;
import io.steward.engine.SnapshotMarks;
import io.steward.postgres.TestNodes.Node;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** pg_backup_start / pg_backup_stop around a snapshot, on real PostgreSQL 15 servers. */
@Tag("servers")
@Tag("root")
class PostgresSnapshotHoldTest {

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
    void onThePrimaryTheHoldReturnsTheBackupLabelAndTheConsistencyPoint() throws Exception {
        Node a = nodes.node("a");
        a.engine().initializeNewCluster();
        a.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('before')");
        long before = a.engine().probe().position();

        SnapshotMarks marks;
        try (SnapshotHold hold = a.engine().holdForSnapshot("set-1")) {
            assertThat(hold.startPosition()).isGreaterThanOrEqualTo(before);
            assertThat(hold.timeline()).isEqualTo(1);
            assertThat(a.column("SELECT count(*)::text FROM pg_stat_activity WHERE query LIKE '%pg_backup_start%'"
                            + " AND pid <> pg_backend_pid()"))
                    .containsExactly("1");
            a.execute("INSERT INTO t VALUES ('during')");
            marks = hold.release();
            assertThatThrownBy(hold::release).hasMessageContaining("already released");
        }

        assertThat(marks.startPosition()).isGreaterThanOrEqualTo(before);
        assertThat(marks.endPosition()).isGreaterThan(marks.startPosition());
        assertThat(marks.timeline()).isEqualTo(1);
        assertThat(marks.files()).containsOnlyKeys("backup_label");
        assertThat(marks.files().get("backup_label"))
                .contains("LABEL: set-1")
                .contains("START WAL LOCATION: " + Lsn.format(marks.startPosition()))
                .contains("BACKUP FROM: primary")
                .contains("START TIMELINE: 1");
        // the hold's session is closed; its backend ends a moment later
        await().atMost(Duration.ofSeconds(30))
                .until(() -> a.column("SELECT count(*)::text FROM pg_stat_activity"
                                + " WHERE query LIKE '%pg_backup_st%' AND pid <> pg_backend_pid()")
                        .equals(List.of("0")));
    }

    @Test
    void anAbandonedHoldEndsTheBackupWithItsSession() throws Exception {
        Node a = nodes.node("a");
        a.engine().initializeNewCluster();

        SnapshotHold abandoned = a.engine().holdForSnapshot("abandoned");
        abandoned.close();
        abandoned.close();

        await().atMost(Duration.ofSeconds(30))
                .until(() -> a.column("SELECT count(*)::text FROM pg_stat_activity"
                                + " WHERE query LIKE '%pg_backup_start%' AND pid <> pg_backend_pid()")
                        .equals(List.of("0")));
        try (SnapshotHold next = a.engine().holdForSnapshot("next")) {
            assertThat(next.release().files().get("backup_label")).contains("LABEL: next");
        }
    }

    @Test
    void onAReplicaTheBackupIsTakenFromTheStandby() throws Exception {
        Node a = nodes.node("a");
        Node b = nodes.node("b");
        a.engine().initializeNewCluster();
        a.engine().reconcileReplicationSlots(Set.of("a", "b"));
        b.engine().cloneFrom(a.peer());
        await().atMost(Duration.ofSeconds(60)).until(() -> b.engine().probe().streaming());

        try (SnapshotHold hold = b.engine().holdForSnapshot("on-replica")) {
            SnapshotMarks marks = hold.release();
            assertThat(marks.files().get("backup_label"))
                    .contains("BACKUP FROM: standby")
                    .contains("LABEL: on-replica");
            assertThat(marks.endPosition()).isGreaterThanOrEqualTo(marks.startPosition());
        }
    }

    @Test
    void aStoppedServerCannotBeHeld() throws Exception {
        Node a = nodes.node("a");
        assertThatThrownBy(() -> a.engine().holdForSnapshot("nothing running"))
                .hasMessageContaining("cannot connect to start backup nothing running");
    }
}
