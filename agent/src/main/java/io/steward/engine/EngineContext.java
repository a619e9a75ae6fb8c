package io.steward.engine;

import com.codahale.metrics.MetricRegistry;
import io.steward.settings.Settings;
import java.nio.file.Path;

/**
 * What the core hands a plugin when it creates the engine.
 *
 * @param memberName this node's name in the cluster
 * @param advertisedHost the address other members use to reach this node's database
 * @param settings the engine's own configuration section (the YAML section named after the engine); the plugin
 *        reads and validates it, reporting problems through it rather than throwing
 * @param stateDir a directory the agent owns, for the engine's own small files
 * @param metrics the agent's registry, for engine metrics
 */
public record EngineContext(
        String memberName, String advertisedHost, Settings settings, Path stateDir, MetricRegistry metrics) {}
