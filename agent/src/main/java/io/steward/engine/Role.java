package io.steward.engine;

/** The role the local database server is observed to play right now. */
public enum Role {
    /** Accepting writes. */
    PRIMARY,
    /** In recovery: streaming from a primary or replaying what it has. */
    REPLICA,
    /** Not running. */
    STOPPED
}
