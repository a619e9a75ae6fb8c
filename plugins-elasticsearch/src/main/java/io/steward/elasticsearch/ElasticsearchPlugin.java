package io.steward.elasticsearch;

import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;

/** Elasticsearch 7/8/9 and OpenSearch 1/2/3, which elect their own master: Steward observes, drains and backs up. */
public final class ElasticsearchPlugin implements EnginePlugin {

    @Override
    public String name() {
        return "elasticsearch";
    }

    @Override
    public Engine create(EngineContext context) {
        return new ElasticsearchEngine(context, ElasticsearchSettings.read(context));
    }
}
