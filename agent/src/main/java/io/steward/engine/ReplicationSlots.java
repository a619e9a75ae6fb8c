package io.steward.engine;

import java.util.Set;

/**
 * A primary that keeps what each replica still needs, per replica (physical replication slots), so that
 * a replica that falls behind can catch up from the primary rather than be cloned again.
 */
public non-sealed interface ReplicationSlots extends Capability {

    /** On the primary: keeps exactly one replication slot (or equivalent) per named member. */
    void reconcileReplicationSlots(Set<String> memberNames);
}
