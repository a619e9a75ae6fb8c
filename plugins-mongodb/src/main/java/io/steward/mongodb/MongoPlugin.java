package io.steward.mongodb;

import io.steward.engine.ClientConnections;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.ManagedMembership;
import io.steward.engine.UserDataKeys;
import io.steward.engine.VolumeSnapshots;
import io.steward.mongodb.MongoSettings.MemberRole;
import org.slf4j.LoggerFactory;

/** MongoDB replica sets, which elect their own primary: Steward creates the set, keeps its members and snapshots it. */
public final class MongoPlugin implements EnginePlugin {
    /** The engine's name in configuration, also the name of its section. */
    static final String NAME = "mongodb";

    static final String DRIVER_LOGGER = "org.mongodb.driver";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UserDataKeys userData() {
        return new MongoUserData();
    }

    @Override
    public ConfiguredEngine configure(EngineContext context) {
        MongoSettings settings = MongoSettings.read(context);
        return new ConfiguredEngine(
                EngineCapabilities.electedByTheDatabase()
                        .with(ManagedMembership.class)
                        .with(VolumeSnapshots.class)
                        .with(ClientConnections.class)
                        .creatingClusters(mayCreateCluster(settings)),
                () -> {
                    quietDriverLogging();
                    return new MongoEngine(context, settings);
                });
    }

    /** Only a member that may become primary starts a set: an arbiter holds no data, a hidden member is never primary. */
    static boolean mayCreateCluster(MongoSettings settings) {
        return settings.role() == MemberRole.ACTIVE;
    }

    /**
     * The driver says every server-monitor reconnection at INFO, which would bury the agent's decisions; its warnings
     * stay. Set here rather than in the agent's logging configuration, which names no database.
     */
    static void quietDriverLogging() {
        if (LoggerFactory.getLogger(DRIVER_LOGGER) instanceof ch.qos.logback.classic.Logger driver
                && driver.getLevel() == null) {
            driver.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }
}
