package io.steward.engine;

/**
 * How the replicas of an engine whose primary Steward elects ({@link LeaseElected}) are arranged and how the core
 * picks a new primary for it: the parts of the HA rules that differ between databases.
 *
 * @param topology whom each replica replicates from
 * @param candidateOrder how failover candidates are ranked
 * @param restartsCrashedPrimaryInPlace whether a primary whose server crashed may be restarted in place while its
 *        agent still holds the lease. A database whose write-ahead log brings back every acknowledged commit may. One
 *        that reloads a periodic dump, a log fsynced once a second, or nothing may not: what it reloads can be older
 *        than what its replicas hold, and replicas that then follow it would throw their newer data away.
 */
public record ReplicationStyle(
        Topology topology, CandidateOrder candidateOrder, boolean restartsCrashedPrimaryInPlace) {

    public enum Topology {
        /** Every replica replicates from the primary. */
        STAR,
        /**
         * The book's replication chain: the primary is the head, the other members follow in name order, and each
         * replicates from the nearest member before it that is a healthy replica, else from the primary. When a link
         * dies its follower re-points to its grand-master; when the link is back, the chain heals.
         */
        CHAIN
    }

    public enum CandidateOrder {
        /** Furthest replication position first, then higher priority, then name (Patroni's order). */
        MOST_ADVANCED_FIRST,
        /** Higher priority first, then furthest position, then name (a Sentinel's order, by replica priority). */
        PRIORITY_FIRST
    }
}
