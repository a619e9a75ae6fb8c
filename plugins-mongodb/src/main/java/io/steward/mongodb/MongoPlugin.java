package io.steward.mongodb;

import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.UserDataKeys;

/** MongoDB replica sets, which elect their own primary: Steward creates the set, keeps its members and snapshots it. */
public final class MongoPlugin implements EnginePlugin {
    /** The engine's name in configuration, also the name of its section. */
    static final String NAME = "mongodb";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UserDataKeys userData() {
        return new MongoUserData();
    }

    @Override
    public Engine create(EngineContext context) {
        return new MongoEngine(context, MongoSettings.read(context));
    }
}
