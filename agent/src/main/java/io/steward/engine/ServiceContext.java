package io.steward.engine;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.steward.store.BackupStoreConfig;
import java.util.Map;
import java.util.Optional;

/**
 * What the agent hands a plugin when it starts the plugin's services: the parts of the configuration a service of
 * the backup store may need, not the whole configuration (which is the core's and depends on the plugins).
 *
 * @param cluster the cluster's name, the store's folder under its prefix
 * @param store the backup store, when one is configured
 * @param backupSections the plugin's own sections of {@code backup} ({@link EnginePlugin#backupSections()}), as given
 *        and already checked, by name
 * @param clonedFrom the cluster this one starts from, when {@code bootstrap.mode} is clone: its archive is read, never
 *        written
 * @param engine the engine the plugin created for this agent
 * @param metrics the agent's registry, for the services' metrics
 */
public record ServiceContext(
        String cluster,
        Optional<BackupStoreConfig> store,
        Map<String, JsonNode> backupSections,
        Optional<String> clonedFrom,
        Engine engine,
        MetricRegistry metrics) {

    public ServiceContext {
        backupSections = Map.copyOf(backupSections);
    }

    /** The plugin's section {@code backup.<name>} as given; a missing node when it is not given. */
    public JsonNode backupSection(String name) {
        return backupSections.getOrDefault(name, MissingNode.getInstance());
    }
}
