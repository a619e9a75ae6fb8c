package io.steward.engine;

/**
 * One replica as the primary sees it.
 *
 * @param name the replica's member name (its application name)
 * @param flushPosition the position up to which the replica has made the primary's log durable
 * @param synchronous whether the primary currently waits for this replica before acknowledging commits
 */
public record ReplicaLink(String name, long flushPosition, boolean synchronous) {}
