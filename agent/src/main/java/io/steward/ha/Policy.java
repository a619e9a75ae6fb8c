package io.steward.ha;

import io.steward.config.HaConfig;
import io.steward.engine.ReplicationStyle;
import java.util.Optional;

/**
 * The configuration the rules read.
 *
 * @param self this member's name
 * @param ha loop settings
 * @param noFailover this node never promotes by itself
 * @param priority rank among failover candidates (the engine decides whether before or after position);
 *        0 never promotes
 * @param mayInitialize whether this node may create a new cluster (false for user data's {@code master})
 * @param replication how Steward elects the primary: the engine's topology, candidate order and whether a lease
 *        holder whose server died restarts it in place or hands the lease on at once; empty when the database elects
 *        its own primary, and the rules only observe
 */
public record Policy(
        String self,
        HaConfig ha,
        boolean noFailover,
        int priority,
        boolean mayInitialize,
        Optional<ReplicationStyle> replication) {

    /** The same node with other HA settings (the cluster-wide ones laid over its own). */
    public Policy withHa(HaConfig effective) {
        return new Policy(self, effective, noFailover, priority, mayInitialize, replication);
    }

    public boolean promotable() {
        return !noFailover && priority > 0;
    }

    /** Whether the database elects its own primary (a replica set, a search cluster): then the rules only observe. */
    public boolean engineElectsPrimary() {
        return replication.isEmpty();
    }

    /** How Steward elects the primary; only asked for where it does. */
    public ReplicationStyle style() {
        return replication.orElseThrow(() -> new IllegalStateException("the database elects its own primary"));
    }
}
