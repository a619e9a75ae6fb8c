package io.steward.ha;

import io.steward.coordination.BadLease;
import io.steward.coordination.MemberInfo;
import java.util.Optional;

/** What the HA loop does in one tick. Each action is carried out by {@link HaLoop}; deciding is {@link HaRules}. */
public sealed interface Action {

    /** Nothing to change; keep reporting. */
    record Observe() implements Action {}

    /** Stop taking writes now: this node runs a primary but cannot prove it holds the lease. */
    record Fence() implements Action {}

    /** Claim the right to create the cluster, take the first lease and create it. */
    record InitializeCluster() implements Action {}

    /** Fill the empty data directory from the primary. */
    record CloneFrom(MemberInfo leader) implements Action {}

    /** Move the data directory aside and clone it again from the primary. */
    record Reinitialize(MemberInfo leader) implements Action {}

    /** The lease holder's server is down: start it again, as the primary, with its own data. */
    record RestartAsPrimary() implements Action {}

    /**
     * An operator asked to restart the running server in place ({@link PlannedRestarts}); a primary keeps its lease
     * throughout.
     */
    record Restart() implements Action {}

    /** Give the lease up so that a replica can take over. */
    record ReleaseLease() implements Action {}

    /** This node holds the lease and runs a replica: make it the primary. */
    record Promote() implements Action {}

    /** Keep the primary's duties: replication slots and the synchronous standby. */
    record Lead() implements Action {}

    /** Take the free lease (bumping the epoch) and promote. */
    record TakeOver(TakeoverReason reason) implements Action {}

    /**
     * The lease names this node from an earlier ZooKeeper session of this agent, which is gone: take it over under a
     * new epoch, removing the old znode in the same transaction.
     */
    record ReclaimLease() implements Action {}

    /**
     * Hand the lease to a replica on an operator's request: stop the primary cleanly, wait (for a switchover)
     * until the candidate has everything, release the lease to it.
     */
    record HandOver(MemberInfo candidate, boolean waitForCatchUp) implements Action {}

    /**
     * Nothing to do but wait for an operator (a replica that could not be rewound, and may not be cloned again
     * automatically): what failed stays reported.
     */
    record WaitForOperator() implements Action {}

    /** Drop a transfer request that cannot be carried out. */
    record CancelTransfer() implements Action {}

    /** Start the stopped server as a replica, of the leader if there is one. */
    record StartAsReplica(Optional<MemberInfo> leader) implements Action {}

    /** Point the running server at the leader (a deposed primary is stopped and rewound first). */
    record Follow(MemberInfo leader) implements Action {}

    /** Remove a persistent {@code leader} znode: no session holds it, so it is no lease and would never go away. */
    record RemoveStrayLease(BadLease stray) implements Action {}

    /** Why a member takes a free lease; recorded in the failover history. */
    enum TakeoverReason {
        FAILOVER("failover"),
        SWITCHOVER("switchover"),
        REQUESTED_FAILOVER("failover requested by an operator"),
        AFTER_FAILSAFE("lease taken again by the primary that failsafe mode kept");

        private final String words;

        TakeoverReason(String words) {
            this.words = words;
        }

        @Override
        public String toString() {
            return words;
        }
    }
}
