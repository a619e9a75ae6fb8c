package io.steward.config;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who this node is.
 *
 * @param name member name, unique in the cluster (user data {@code name}); letters, digits, '-', '_' and '.'
 * @param host the address other members and clients use to reach this node
 * @param priority rank among failover candidates, higher wins (the engine decides whether before or after
 *        position); 0 never promotes
 * @param noFailover tag: this node never becomes primary by failover
 * @param stopServerOnExit whether the agent stops the database server it runs when it stops (after handing a
 *        primary's lease over); false leaves a replica's server running, for an agent upgrade without a database
 *        restart. A primary's server always stops: nothing would fence it once the agent is gone
 * @param stateDir where the agent keeps its own files (fence guard script, engine state)
 * @param instanceId EC2 instance id when known
 * @param availabilityZone EC2 availability zone when known
 * @param region AWS region when known
 * @param dnsName the node's DNS name (IMDS {@code local-hostname} unless configured), what CNAME records point at
 */
public record NodeConfig(
        String name,
        String host,
        int priority,
        boolean noFailover,
        boolean stopServerOnExit,
        Path stateDir,
        Optional<String> instanceId,
        Optional<String> availabilityZone,
        Optional<String> region,
        Optional<String> dnsName) {
    /** What a member name may be: it names a znode, a replication slot and DNS labels. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,63}");

    public static final String NAME_ALLOWED = "1 to 63 letters, digits, '.', '_' or '-'";

    /** Whether {@code name} may name a member (null may not). */
    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
