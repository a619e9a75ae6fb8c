package io.steward.ha;

import io.steward.config.HaConfig;
import io.steward.engine.ReplicationStyle;

/**
 * The configuration the rules read.
 *
 * @param self this member's name
 * @param ha loop settings
 * @param noFailover this node never promotes by itself
 * @param priority rank among failover candidates (the engine decides whether before or after position);
 *        0 never promotes
 * @param mayInitialize whether this node may create a new cluster (false for user data's {@code master})
 * @param style the engine's topology, candidate order and whether a lease holder whose server died restarts it in
 *        place or hands the lease on at once
 * @param engineElectsPrimary the database elects its own primary ({@link io.steward.engine.Engine#electsOwnPrimary()}):
 *        the rules only observe
 */
public record Policy(String self, HaConfig ha, boolean noFailover, int priority, boolean mayInitialize,
                     ReplicationStyle style, boolean engineElectsPrimary) {

    /** The same node with other HA settings (the cluster-wide ones laid over its own). */
    public Policy withHa(HaConfig effective) {
        return new Policy(self, effective, noFailover, priority, mayInitialize, style, engineElectsPrimary);
    }

    public boolean promotable() {
        return !noFailover && priority > 0;
    }
}
