package io.steward.mongodb;

import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;

/** MongoDB replica sets, which elect their own primary: Steward creates the set, keeps its members and snapshots it. */
public final class MongoPlugin implements EnginePlugin {

    @Override
    public String name() {
        return "mongodb";
    }

    @Override
    public Engine create(EngineContext context) {
        return new MongoEngine(context, MongoSettings.read(context));
    }
}
