package io.steward.redis;

import io.steward.engine.ClientConnections;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.Dumps;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.ReplayDelay;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.UserDataKeys;
import io.steward.engine.VolumeSnapshots;

/** Redis replication (REPLICAOF), with Steward electing the primary. */
public final class RedisPlugin implements EnginePlugin {
    /** The engine's name in configuration, also the name of its section. */
    static final String NAME = "redis";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UserDataKeys userData() {
        return new RedisUserData();
    }

    @Override
    public ConfiguredEngine configure(EngineContext context) {
        RedisSettings settings = RedisSettings.read(context);
        return new ConfiguredEngine(capabilities(settings), () -> new RedisEngine(context, settings));
    }

    /**
     * Steward elects the primary, which is never restarted in place after a crash: what Redis reloads (an RDB dump, an
     * AOF fsynced once a second, or nothing) can be older than what its replicas hold. Redis keeps one replication
     * backlog for every replica (no slot per member) and has no synchronous replication (WAIT is per client); it is
     * backed up by volume snapshots and by dumps, from which a new cluster may start ({@code redis.rdb}).
     */
    static EngineCapabilities capabilities(RedisSettings settings) {
        return EngineCapabilities.electedBySteward(new ReplicationStyle(
                        settings.topology(), ReplicationStyle.CandidateOrder.PRIORITY_FIRST, false))
                .with(VolumeSnapshots.class)
                .with(Dumps.class)
                .with(ReplayDelay.class)
                .with(ClientConnections.class)
                .startingFrom(settings.rdb());
    }
}
