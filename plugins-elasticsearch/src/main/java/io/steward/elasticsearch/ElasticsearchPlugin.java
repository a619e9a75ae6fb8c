package io.steward.elasticsearch;

import io.steward.engine.ClientConnections;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.NativeBackup;
import io.steward.engine.UserDataKeys;

/** Elasticsearch 7/8/9 and OpenSearch 1/2/3, which elect their own master: Steward observes, drains and backs up. */
public final class ElasticsearchPlugin implements EnginePlugin {
    /** The engine's name in configuration, also the name of its section. */
    static final String NAME = "elasticsearch";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public UserDataKeys userData() {
        return new SearchUserData();
    }

    @Override
    public ConfiguredEngine configure(EngineContext context) {
        ElasticsearchSettings settings = ElasticsearchSettings.read(context);
        EngineCapabilities capabilities =
                EngineCapabilities.electedByTheDatabase().with(ClientConnections.class);
        if (settings.snapshots().isPresent()) {
            capabilities = capabilities.with(NativeBackup.class);
        }
        return new ConfiguredEngine(capabilities, () -> new ElasticsearchEngine(context, settings));
    }
}
