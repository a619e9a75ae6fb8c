package io.steward.postgres;

import io.steward.engine.Archiving;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.ReplicationSlots;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.SnapshotRecovery;
import io.steward.engine.SynchronousStandbys;
import io.steward.engine.VolumeSnapshots;

/** PostgreSQL streaming replication, with Steward electing the primary. */
public final class PostgresPlugin implements EnginePlugin {

    /**
     * Every replica streams from the primary (a cascade would leave each replica's slot on the primary unused, and its
     * WAL kept for ever); the most advanced replica takes over; a crashed primary restarts in place, since its WAL
     * brings back every acknowledged commit.
     */
    static final ReplicationStyle STYLE = new ReplicationStyle(ReplicationStyle.Topology.STAR,
            ReplicationStyle.CandidateOrder.MOST_ADVANCED_FIRST, true);

    /**
     * Backed up by snapshot sets and the WAL archive, which restore to any point in time; it has no dumps.
     */
    static final EngineCapabilities CAPABILITIES = EngineCapabilities.electedBySteward(STYLE)
            .with(ReplicationSlots.class)
            .with(SynchronousStandbys.class)
            .with(VolumeSnapshots.class)
            .with(SnapshotRecovery.class)
            .with(Archiving.class);

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public ConfiguredEngine configure(EngineContext context) {
        PostgresSettings settings = PostgresSettings.read(context);
        return new ConfiguredEngine(CAPABILITIES, () -> new PostgresEngine(context, settings));
    }
}
