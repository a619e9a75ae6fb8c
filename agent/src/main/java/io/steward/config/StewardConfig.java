package io.steward.config;

/**
 * The whole configuration of one agent, merged from flags, environment, file, user data and defaults, validated.
 *
 * @param cluster the cluster's name (user data {@code cluster}); the agents of one cluster share it
 */
public record StewardConfig(String cluster, NodeConfig node, ZooKeeperConfig zookeeper, HaConfig ha,
                            AdminConfig admin, EngineSection engine) {
}
