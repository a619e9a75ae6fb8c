package io.steward.engine;

import com.codahale.metrics.MetricRegistry;
import io.steward.config.StewardConfig;

/**
 * What the agent hands a plugin when it starts the plugin's services.
 *
 * @param config the agent's whole configuration; the plugin's own sections are in it as given
 * @param engine the engine the plugin created for this agent
 * @param metrics the agent's registry, for the services' metrics
 */
public record ServiceContext(StewardConfig config, Engine engine, MetricRegistry metrics) {
}
