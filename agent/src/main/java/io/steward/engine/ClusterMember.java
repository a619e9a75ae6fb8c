package io.steward.engine;

import java.util.Map;

/**
 * A member of the cluster as its agent announces it in ZooKeeper, for a database that keeps its own member list
 * (a replica set's configuration): its elected primary adds the members that are not in it yet.
 *
 * @param name the member's name
 * @param database where its database accepts connections
 * @param healthy whether its agent reports the database running and without a problem
 * @param priority its rank as a candidate; 0 never becomes primary
 * @param tags what its engine announces of how it wants to be a member ({@link ManagedMembership#memberTags()})
 */
public record ClusterMember(String name, Endpoint database, boolean healthy, int priority, Map<String, String> tags) {
    public ClusterMember {
        tags = Map.copyOf(tags);
    }
}
