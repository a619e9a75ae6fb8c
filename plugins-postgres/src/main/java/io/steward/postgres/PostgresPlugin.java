package io.steward.postgres;

import io.steward.engine.Archiving;
import io.steward.engine.BackupSection;
import io.steward.engine.ClientConnections;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.EngineService;
import io.steward.engine.PendingRestart;
import io.steward.engine.ReplayDelay;
import io.steward.engine.ReplicationSlots;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.Restartable;
import io.steward.engine.ServiceContext;
import io.steward.engine.SnapshotRecovery;
import io.steward.engine.SynchronousStandbys;
import io.steward.engine.UserDataKeys;
import io.steward.engine.VolumeSnapshots;
import io.steward.postgres.wal.WalBackupSection;
import io.steward.postgres.wal.WalFetchCommand;
import io.steward.postgres.wal.WalPushCommand;
import io.steward.postgres.wal.WalService;
import io.steward.postgres.wal.WalSocketClient;
import java.util.List;
import java.util.Set;

/**
 * PostgreSQL streaming replication, with Steward electing the primary, and its WAL archive in the backup store:
 * {@code backup.wal}, the {@code wal-push} and {@code wal-fetch} commands, and the agent's side of them.
 */
public final class PostgresPlugin implements EnginePlugin {
    /** The engine's name in configuration, also the name of its section. */
    static final String NAME = "postgresql";

    /**
     * Every replica streams from the primary (a cascade would leave each replica's slot on the primary unused, and its
     * WAL kept for ever); the most advanced replica takes over; a crashed primary restarts in place, since its WAL
     * brings back every acknowledged commit.
     */
    static final ReplicationStyle STYLE = new ReplicationStyle(
            ReplicationStyle.Topology.STAR, ReplicationStyle.CandidateOrder.MOST_ADVANCED_FIRST, true);

    /**
     * Backed up by snapshot sets and the WAL archive, which restore to any point in time; it has no dumps. Operators
     * restart and reload it through the agent.
     */
    static final EngineCapabilities CAPABILITIES = EngineCapabilities.electedBySteward(STYLE)
            .with(ReplicationSlots.class)
            .with(SynchronousStandbys.class)
            .with(VolumeSnapshots.class)
            .with(SnapshotRecovery.class)
            .with(Archiving.class)
            .with(ReplayDelay.class)
            .with(PendingRestart.class)
            .with(ClientConnections.class)
            .with(Restartable.class);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UserDataKeys userData() {
        return new PostgresUserData();
    }

    @Override
    public ConfiguredEngine configure(EngineContext context) {
        PostgresSettings settings = PostgresSettings.read(context);
        return new ConfiguredEngine(CAPABILITIES, () -> new PostgresEngine(context, settings));
    }

    @Override
    public List<Object> commands() {
        return List.of(new WalPushCommand(), new WalFetchCommand());
    }

    @Override
    public Set<String> commandVariables() {
        return Set.of(WalSocketClient.SOCKET_VARIABLE);
    }

    @Override
    public List<BackupSection> backupSections() {
        return List.of(new WalBackupSection());
    }

    @Override
    public List<EngineService> services(ServiceContext context) {
        return List.of(WalService.start(context));
    }
}
