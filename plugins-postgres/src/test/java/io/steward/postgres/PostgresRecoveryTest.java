package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.steward.engine.EngineException;
import io.steward.engine.Role;
import io.steward.engine.SnapshotHold;
import io.steward.engine.SnapshotMarks;
import io.steward.postgres.TestNodes.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Point-in-time recovery on real PostgreSQL 15 servers: a base backup taken the way a snapshot set takes one (the
 * data directory copied as it is between pg_backup_start and pg_backup_stop), then archive recovery on another node.
 */
@Tag("servers")
@Tag("root")
class PostgresRecoveryTest {
    private TestNodes nodes;
    private Map<String, String> archiving;
    private Node source;
    private SnapshotMarks marks;
    private Instant target;

    @BeforeEach
    void writeBackupAndMoreRows() throws Exception {
        nodes = new TestNodes();
        Path archive = nodes.folderForServer("archive");
        archiving = Map.of(
                "archive_mode",
                "on",
                "archive_command",
                "test ! -f " + archive + "/%f && cp %p " + archive + "/%f",
                "restore_command",
                "cp " + archive + "/%f %p");
        source = nodes.node("source", archiving);
        source.engine().initializeNewCluster();
        source.execute("CREATE TABLE t (id int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        insert(1, 5);

        try (SnapshotHold hold = source.engine().holdForSnapshot("pitr")) {
            TestNodes.copyAsIs(source.dataDir(), nodes.node("copy").folder().resolve("data"));
            marks = hold.release();
        }
        insert(6, 10);
        target = Instant.parse(source.column("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                        + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
                .get(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(target.plusMillis(5)));
        insert(11, 15);
        String lastSegment =
                source.column("SELECT pg_walfile_name(pg_current_wal_lsn())").get(0);
        source.execute("SELECT pg_switch_wal()");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(archive.resolve(lastSegment)));
    }

    @AfterEach
    void stopEverything() throws Exception {
        nodes.close();
    }

    private void insert(int from, int to) {
        IntStream.rangeClosed(from, to).forEach(id -> {
            try {
                source.execute("INSERT INTO t (id) VALUES (" + id + ")");
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** A node whose data directory is the copy taken during the backup. */
    private Node restoredNode(String name) throws Exception {
        Node node = nodes.node(name, archiving);
        TestNodes.copyAsIs(
                nodes.node("copy").folder().resolve("data"), node.folder().resolve("data"));
        return node;
    }

    @Test
    void recoveryToATimeHasExactlyTheRowsCommittedBeforeIt() throws Exception {
        Node restored = restoredNode("restored");
        List<String> progress = new ArrayList<>();

        restored.engine()
                .recoverFromSnapshot(marks.files(), Optional.of(target), step -> progress.add(step.sentence()));

        assertThat(restored.column("SELECT id::text FROM t ORDER BY t.id"))
                .containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
        assertThat(restored.engine().probe().role()).isEqualTo(Role.PRIMARY);
        assertThat(restored.engine().probe().timeline()).isEqualTo(2);
        assertThat(progress).first().isEqualTo("starting archive recovery");
        assertThat(progress).last().asString().startsWith("recovered and promoted at");
        assertThat(progress)
                .as("where replay ended, against the target")
                .anySatisfy(line -> assertThat(line)
                        .startsWith("replaying the archive: at ")
                        .contains("last transaction ")
                        .endsWith(" before the target " + target));
        restored.execute("INSERT INTO t (id) VALUES (100)");
        assertThat(Files.readString(restored.dataDir().resolve(ConfigWriter.STEWARD_CONF)))
                .as("the target is gone once promoted")
                .doesNotContain("recovery_target_time =", "recovery_target_action");
    }

    @Test
    void withoutATargetRecoveryReplaysTheWholeArchive() throws Exception {
        Node restored = restoredNode("latest");

        restored.engine().recoverFromSnapshot(marks.files(), Optional.empty(), line -> {});

        assertThat(restored.column("SELECT count(*)::text FROM t")).containsExactly("15");
    }

    @Test
    void aTargetBeyondTheArchiveFailsAndSaysWhy() throws Exception {
        Node restored = restoredNode("future");

        assertThatThrownBy(() -> restored.engine()
                        .recoverFromSnapshot(
                                marks.files(), Optional.of(Instant.now().plus(Duration.ofDays(1))), line -> {}))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("recovery ended before configured recovery target was reached");
    }

    @Test
    void aSetWithoutBackupLabelOrAServerWithoutRestoreCommandIsRefusedBeforeAnythingChanges() throws Exception {
        Node noLabel = restoredNode("nolabel");
        assertThatThrownBy(() -> noLabel.engine().recoverFromSnapshot(Map.of(), Optional.empty(), line -> {}))
                .hasMessageContaining("has no backup_label");

        Node noRestoreCommand = nodes.node("norestore");
        TestNodes.copyAsIs(
                nodes.node("copy").folder().resolve("data"),
                noRestoreCommand.folder().resolve("data"));
        assertThatThrownBy(() ->
                        noRestoreCommand.engine().recoverFromSnapshot(marks.files(), Optional.empty(), line -> {}))
                .hasMessageContaining("postgresql.parameters.restore_command is not set");
        assertThat(noRestoreCommand.dataDir().resolve("backup_label")).doesNotExist();
    }
}
