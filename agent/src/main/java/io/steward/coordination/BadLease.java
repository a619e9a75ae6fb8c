package io.steward.coordination;

/**
 * A {@code leader} znode that is not a lease any member can use: its content is unreadable (the holder is unknown),
 * or it is persistent (no session holds it, so it would never go away by itself).
 *
 * @param problem what it holds and why it is not a lease
 * @param ephemeralOwner the session that owns it; 0 for a persistent znode
 * @param ownedByThisSession whether that is the session of the agent that read it (then only this agent can free it)
 * @param version the znode's version when read, for a removal that must not touch a later lease
 * @param epochVersion the {@code epoch} znode's version, read before the lease: every lease is taken in a transaction
 *        that moves it, so a removal conditional on it cannot remove a lease taken since
 */
public record BadLease(
        StateProblem problem, long ephemeralOwner, boolean ownedByThisSession, int version, int epochVersion) {

    /** No session holds it: not a lease at all, and safe to remove (see {@link ClusterStore#removeStrayLease}). */
    public boolean persistent() {
        return ephemeralOwner == 0;
    }
}
