package io.steward.engine;

import java.util.List;

/**
 * How a client connects to this database: the connection string its own tools and drivers take, for {@code steward
 * dsn} and {@code GET /cluster}. The core picks the servers; the engine says how its clients reach them.
 */
public non-sealed interface ClientConnections extends Capability {

    /** Which server a client wants. */
    enum Target {
        /** The server that takes writes. */
        PRIMARY,
        /** A server that replicates the primary, for reads. */
        REPLICA,
        /** Whichever answers first. */
        ANY
    }

    /**
     * A connection string that reaches a server of {@code target} among {@code servers}.
     *
     * @param servers where the servers accept connections, best first (the core lists those it last saw playing
     *        {@code target}); never empty. An engine whose clients take one address uses the first; one whose clients
     *        find their way among several (a seed list, a host list tried in turn) uses them all
     */
    String connectionString(List<Endpoint> servers, Target target);
}
