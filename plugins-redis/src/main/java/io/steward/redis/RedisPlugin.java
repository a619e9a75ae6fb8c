package io.steward.redis;

import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;

/** Redis replication (REPLICAOF), with Steward electing the primary. */
public final class RedisPlugin implements EnginePlugin {

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Engine create(EngineContext context) {
        return new RedisEngine(context, RedisSettings.read(context));
    }
}
