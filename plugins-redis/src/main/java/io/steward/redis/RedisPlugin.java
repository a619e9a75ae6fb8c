package io.steward.redis;

import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.UserDataKeys;

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
    public Engine create(EngineContext context) {
        return new RedisEngine(context, RedisSettings.read(context));
    }
}
