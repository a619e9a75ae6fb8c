package io.steward.ha;

import io.steward.coordination.ClusterView;
import io.steward.coordination.Lease;
import java.util.function.LongPredicate;

/**
 * What a read after a sync says of the lease from this node's side, pure.
 *
 * @param holds the lease names this node and the session that read it
 * @param staleOfOurs the lease names this node from an earlier session of this same agent, which is gone
 */
record LeaseReading(boolean holds, boolean staleOfOurs) {

    /**
     * @param session the session that made the read
     * @param wasOurSession whether a session was one of this agent's (asked only of a lease that names this node)
     */
    static LeaseReading of(ClusterView view, String self, long session, LongPredicate wasOurSession) {
        boolean holds = view.lease().filter(lease -> mine(lease, self, session)).isPresent();
        boolean stale = view.lease()
                .filter(lease -> lease.holder().equals(self)
                        && lease.sessionId() != session
                        && wasOurSession.test(lease.sessionId()))
                .isPresent();
        return new LeaseReading(holds, stale);
    }

    /** Whether the lease names this member and the session that read it. */
    static boolean mine(Lease lease, String self, long session) {
        return lease.holder().equals(self) && lease.sessionId() == session;
    }

    /**
     * Whether the read says who holds the lease (this node, or another): then failsafe confirmations count no longer,
     * since the lease alone decides once ZooKeeper answers.
     */
    boolean namesHolder(ClusterView view, String self) {
        return holds
                || view.lease().filter(lease -> !lease.holder().equals(self)).isPresent();
    }
}
