package io.steward.config;

import java.util.List;

/**
 * The whole configuration of one agent, merged from flags, environment, file, user data and defaults, validated.
 * Built by {@link ConfigLoader}.
 *
 * @param cluster the cluster's name (user data {@code cluster}); the agents of one cluster share it
 * @param bootstrap how an empty node gets its data
 * @param storage the node's data volumes
 * @param aws IMDS use and region
 * @param backup what is archived to S3 for point-in-time recovery
 * @param deprecations keys read under an old name, one line each naming the old and the new key: the agent logs them
 *        when it starts
 */
public record StewardConfig(
        String cluster,
        NodeConfig node,
        ZooKeeperConfig zookeeper,
        HaConfig ha,
        AdminConfig admin,
        EngineSection engine,
        BootstrapConfig bootstrap,
        StorageConfig storage,
        AwsConfig aws,
        BackupConfig backup,
        List<String> deprecations) {
    public StewardConfig {
        deprecations = List.copyOf(deprecations);
    }
}
