package io.steward.engine;

/** What the engine found in its data directory. */
public enum DataState {
    /** Nothing there yet: the node must initialise a cluster or clone one. */
    EMPTY,
    /** A usable data directory. */
    VALID,
    /** Something is there but it cannot be used (missing files, wrong version, unreadable). */
    INVALID
}
