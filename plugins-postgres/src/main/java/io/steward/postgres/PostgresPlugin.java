package io.steward.postgres;

import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;

/** PostgreSQL streaming replication, with Steward electing the primary. */
public final class PostgresPlugin implements EnginePlugin {

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public Engine create(EngineContext context) {
        return new PostgresEngine(context, PostgresSettings.read(context));
    }
}
