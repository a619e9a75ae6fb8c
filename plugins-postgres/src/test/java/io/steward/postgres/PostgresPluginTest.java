package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.Archiving;
import io.steward.engine.ClientConnections;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.Dumps;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.LeaseElected;
import io.steward.engine.ManagedMembership;
import io.steward.engine.NativeBackup;
import io.steward.engine.PendingRestart;
import io.steward.engine.ReplayDelay;
import io.steward.engine.ReplicationSlots;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.Restartable;
import io.steward.engine.SnapshotRecovery;
import io.steward.engine.SynchronousStandbys;
import io.steward.engine.VolumeSnapshots;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the plugin declares of a PostgreSQL engine, known from its settings alone, and that the engine has it. */
class PostgresPluginTest {

    private static ConfiguredEngine configured(Path stateDir) {
        ObjectNode section = new ObjectMapper()
                .createObjectNode()
                .put("data_dir", "/var/lib/postgresql/15/main")
                .put("superuser_password", "super-secret-1")
                .put("replication_password", "repl-secret-2");
        ConfigProblems problems = new ConfigProblems();
        ConfiguredEngine configured = new PostgresPlugin()
                .configure(new EngineContext(
                        "n1",
                        "10.0.0.1",
                        new Settings("postgresql", section, problems),
                        stateDir,
                        new MetricRegistry()));
        assertThat(problems.list()).isEmpty();
        return configured;
    }

    @Test
    void stewardElectsThePrimaryWithSlotsSynchronousStandbysSnapshotSetsAndTheWalArchive(@TempDir Path stateDir) {
        var declared = configured(stateDir).capabilities();

        assertThat(declared.replicationStyle())
                .contains(new ReplicationStyle(
                        ReplicationStyle.Topology.STAR, ReplicationStyle.CandidateOrder.MOST_ADVANCED_FIRST, true));
        assertThat(declared.capabilities())
                .containsExactlyInAnyOrder(
                        LeaseElected.class,
                        ReplicationSlots.class,
                        SynchronousStandbys.class,
                        VolumeSnapshots.class,
                        SnapshotRecovery.class,
                        Archiving.class,
                        ReplayDelay.class,
                        PendingRestart.class,
                        ClientConnections.class,
                        Restartable.class);
        assertThat(declared.has(Dumps.class))
                .as("backed up by snapshot sets and WAL, not dumps")
                .isFalse();
        assertThat(declared.has(ManagedMembership.class) || declared.has(NativeBackup.class))
                .isFalse();
        assertThat(declared.mayCreateCluster()).isTrue();
        assertThat(declared.bootstrapDump()).isEmpty();
    }

    @Test
    void theBuiltEngineHasWhatWasDeclaredAndTouchesNothing(@TempDir Path stateDir) {
        try (Engine engine = configured(stateDir.resolve("state")).create()) {
            assertThat(engine.capability(LeaseElected.class)).isPresent();
        }
        assertThat(stateDir.resolve("state")).doesNotExist();
    }
}
