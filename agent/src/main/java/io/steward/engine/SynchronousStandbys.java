package io.steward.engine;

import java.util.List;

/**
 * A primary that can be made to wait for named replicas before it acknowledges a write, which
 * {@code ha.synchronous_mode} needs. A database where waiting for replicas is a client's choice per write has none:
 * no replica is ever known to hold every acknowledged write.
 */
public non-sealed interface SynchronousStandbys extends Capability {

    /**
     * On the primary: which replicas must confirm a commit before it is acknowledged. An empty list makes
     * replication asynchronous.
     */
    void setSynchronousStandbys(List<String> memberNames);
}
