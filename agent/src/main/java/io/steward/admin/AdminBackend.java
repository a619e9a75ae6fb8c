package io.steward.admin;

import io.steward.coordination.ClusterView;
import io.steward.coordination.HistoryEntry;
import io.steward.engine.ClientConnections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the admin API asks of the running agent. Requests are checked and recorded; the HA loop carries them out. */
public interface AdminBackend {

    /** The cluster as the agent last read it. */
    ClusterView cluster();

    /** How clients connect to the cluster's database, when its engine says. */
    Optional<ClientConnections> clientConnections();

    /** The local node. */
    NodeStatus self();

    /** Past changes of primary, oldest first. */
    List<HistoryEntry> history();

    /**
     * Asks for a planned, lossless change of primary.
     *
     * @param to the candidate, or empty for the best eligible replica
     * @throws RejectedRequest when there is no primary, the candidate is unknown, not a healthy replica, or
     *         tagged nofailover, or another request is pending
     */
    void requestSwitchover(Optional<String> to);

    /**
     * Forces the named member to become primary, whether or not the current primary is alive.
     *
     * @throws RejectedRequest when the candidate is unknown or not running
     */
    void requestFailover(String to);

    /**
     * Changes the cluster-wide HA settings (keys of the {@code ha:} section), which override every node's own.
     * An empty value removes a setting, so that nodes go back to their own. Values were validated by the caller.
     */
    void updateSettings(Map<String, Optional<String>> changes);

    /** Turns maintenance mode on or off for the whole cluster. */
    void setMaintenance(boolean on);

    /**
     * Another member, primary in failsafe mode, asks this one to confirm that it may go on taking writes while ZooKeeper
     * cannot be reached, counting on the answer for {@code validForMillis}.
     *
     * @return empty when this member confirms (and then does not take the lease for that long), else why it does not
     */
    Optional<String> failsafeCall(String leader, long epoch, long validForMillis);

    /**
     * Throws away this node's data and clones it again from the primary.
     *
     * @throws RejectedRequest on the primary itself, or when there is no primary to clone from
     */
    void requestReinitialize();
}
