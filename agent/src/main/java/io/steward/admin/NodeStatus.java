package io.steward.admin;

import io.steward.coordination.StateProblem;
import io.steward.engine.ArchiveStatus;
import io.steward.engine.Role;
import io.steward.ha.FailingAction;
import io.steward.progress.Progress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The local node as the admin API reports it.
 *
 * @param name member name
 * @param role what the local database does now
 * @param writablePrimary true only when the database takes writes AND this node holds the lease of the current epoch
 *        AND can still prove it (the {@code GET /primary} check)
 * @param streaming a replica that is receiving from the primary now
 * @param lagBytes how far behind the primary a replica is (0 on the primary, -1 when unknown)
 * @param epoch the cluster epoch as last read
 * @param lastDecision the HA loop's last decision, in words
 * @param problem why the node is unhealthy, if it is
 * @param failingAction what the HA loop keeps failing to do, if anything
 * @param archive how archiving is doing, when the node archives
 * @param engineDetails what the database says of its cluster ({@link io.steward.engine.Engine#healthDetails()})
 * @param failsafe what failsafe mode does on this node now, in words: a primary kept writable by its members'
 *        confirmations, or a member that confirmed and so does not take the lease; empty otherwise
 * @param badZnodes the cluster's znodes whose content was not used as it is, as of the last read: they do not make
 *        the node unhealthy (its database may serve as it should), but an operator must repair them
 * @param restart the operator's restart of the server that waits for its time (or for the loop), in words
 * @param activity how far long work the HA loop waits on has come (a replica's copy of the primary), when there is
 *        some ({@link io.steward.engine.Engine#activity()})
 */
public record NodeStatus(
        String name,
        Role role,
        boolean writablePrimary,
        boolean streaming,
        long lagBytes,
        long epoch,
        String lastDecision,
        Optional<String> problem,
        Optional<FailingAction> failingAction,
        Optional<ArchiveStatus> archive,
        Map<String, Object> engineDetails,
        Optional<String> failsafe,
        List<StateProblem> badZnodes,
        Optional<String> restart,
        Optional<Progress> activity) {

    public NodeStatus {
        engineDetails = Map.copyOf(engineDetails);
        badZnodes = List.copyOf(badZnodes);
    }

    public boolean healthy() {
        return problem.isEmpty() && role != Role.STOPPED;
    }
}
