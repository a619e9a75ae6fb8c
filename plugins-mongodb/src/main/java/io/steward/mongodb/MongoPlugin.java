package io.steward.mongodb;

import io.steward.engine.ConfiguredEngine;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.ManagedMembership;
import io.steward.engine.VolumeSnapshots;
import io.steward.mongodb.MongoSettings.MemberRole;

/** MongoDB replica sets, which elect their own primary: Steward creates the set, keeps its members and snapshots it. */
public final class MongoPlugin implements EnginePlugin {

    @Override
    public String name() {
        return "mongodb";
    }

    @Override
    public ConfiguredEngine configure(EngineContext context) {
        MongoSettings settings = MongoSettings.read(context);
        return new ConfiguredEngine(EngineCapabilities.electedByTheDatabase()
                .with(ManagedMembership.class)
                .with(VolumeSnapshots.class)
                .creatingClusters(mayCreateCluster(settings)), () -> new MongoEngine(context, settings));
    }

    /** Only a member that may become primary starts a set: an arbiter holds no data, a hidden member is never primary. */
    static boolean mayCreateCluster(MongoSettings settings) {
        return settings.role() == MemberRole.ACTIVE;
    }
}
