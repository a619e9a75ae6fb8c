package io.steward.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.steward.store.BackupStoreConfig;
import java.util.Map;
import java.util.Optional;

/**
 * What the node archives for point-in-time recovery (YAML section {@code backup}).
 *
 * @param store the S3 location every archive shares; empty when none is configured
 * @param snapshots EBS snapshot sets of the data volumes, cataloged in the store
 * @param dumps dumps of the whole dataset in the store
 * @param pluginSections the sections of {@code backup} that the engine's plugin reads itself (its own archive's), by
 *        name, as given and checked by it; without the store's keys, which the store read
 */
public record BackupConfig(
        Optional<BackupStoreConfig> store,
        SnapshotConfig snapshots,
        DumpConfig dumps,
        Map<String, JsonNode> pluginSections) {
    public BackupConfig {
        pluginSections = Map.copyOf(pluginSections);
    }

    /** The plugin's section {@code backup.<name>}; missing when it is not given. */
    public JsonNode pluginSection(String name) {
        return pluginSections.getOrDefault(name, MissingNode.getInstance());
    }
}
