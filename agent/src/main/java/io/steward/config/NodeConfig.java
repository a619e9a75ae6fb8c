package io.steward.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Who this node is.
 *
 * @param name member name, unique in the cluster (user data {@code name}); letters, digits, '-', '_' and '.'
 * @param host the address other members and clients use to reach this node
 * @param priority rank among failover candidates, higher wins (the engine decides whether before or after
 *        position); 0 never promotes
 * @param noFailover tag: this node never becomes primary by failover
 * @param stateDir where the agent keeps its own files (fence guard script, engine state)
 * @param instanceId EC2 instance id when known
 * @param availabilityZone EC2 availability zone when known
 * @param region AWS region when known
 * @param dnsName the node's DNS name (IMDS {@code local-hostname} unless configured), what CNAME records point at
 */
public record NodeConfig(String name, String host, int priority, boolean noFailover, Path stateDir,
                         Optional<String> instanceId, Optional<String> availabilityZone, Optional<String> region,
                         Optional<String> dnsName) {
}
