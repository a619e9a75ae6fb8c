package io.steward.coordination;

/**
 * The content of the {@code leader} znode: who holds the primary's lease, since which epoch.
 * The znode is ephemeral, so the lease lasts exactly as long as the holder's ZooKeeper session.
 *
 * @param holder the member name of the primary
 * @param epoch the fencing counter at the moment it took the lease
 * @param sessionId the ZooKeeper session that owns the znode
 */
public record Lease(String holder, long epoch, long sessionId) {}
