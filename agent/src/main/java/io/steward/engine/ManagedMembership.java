package io.steward.engine;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A database that elects its own primary and keeps its own member list (a replica set's configuration):
 * Steward creates the cluster once, and the agent on its elected primary adds the members ZooKeeper knows.
 */
public non-sealed interface ManagedMembership extends Capability {

    /**
     * The member tag ({@link #memberTags()}) of a member kept for backups (a hidden member): with
     * {@code on_replica}, scheduled backups go to such a member before any other replica.
     */
    String BACKUP_TAG = "backup";

    String PREFERRED_FOR_BACKUPS = "preferred";

    /**
     * The term in which the database elected this node, if this node is its primary right now, asked afresh (it is
     * checked again right before a DNS change that only the primary may make); empty otherwise.
     */
    OptionalLong electedPrimaryTerm();

    /**
     * What this node announces to the others of how it wants to be a member (data member or arbiter, say),
     * published with its member entry.
     */
    Map<String, String> memberTags();

    /**
     * Creates the cluster with this node as its first member and returns once the database elected it its primary;
     * only called when its plugin declared that this node may ({@link EngineCapabilities#mayCreateCluster()}).
     */
    void initializeNewCluster();

    /**
     * Called on the elected primary every tick: add the members that ZooKeeper knows and the database does not.
     */
    void reconcileMembers(List<ClusterMember> members);
}
