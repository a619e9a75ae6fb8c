package io.steward.admin;

import io.steward.config.HaConfig;
import io.steward.coordination.ClusterView;
import io.steward.coordination.HistoryEntry;
import io.steward.engine.ClientConnections;
import io.steward.ha.RestartRequest;
import java.time.Instant;
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
     * The HA settings: those stored cluster-wide, this node's own, and those in force here.
     *
     * @param cluster the cluster-wide settings as stored, keyed as in the {@code ha:} section
     * @param node this node's own {@code ha:} section (with its defaults)
     * @param inForce what this node goes by: its own with the cluster-wide ones laid over them
     */
    record HaSettings(Map<String, String> cluster, HaConfig node, HaConfig inForce) {
        public HaSettings {
            cluster = Map.copyOf(cluster);
        }
    }

    HaSettings haSettings();

    /**
     * Asks for a planned, lossless change of primary.
     *
     * @param to the candidate, or empty for the best eligible replica
     * @param at when the primary is to carry it out; empty for at once
     * @throws RejectedRequest when there is no primary, the candidate is unknown, not a healthy replica, or
     *         tagged nofailover, or another request is pending
     */
    void requestSwitchover(Optional<String> to, Optional<Instant> at);

    /**
     * Drops the pending switchover (one scheduled, or one not carried out yet).
     *
     * @return what was dropped, in words
     * @throws RejectedRequest when no switchover is pending
     */
    String cancelSwitchover();

    /**
     * Asks this node's loop to restart its server in place.
     *
     * @return the outcome in words once the loop restarted it or dropped the request; failed with the engine's
     *         error when the restart failed
     * @throws RejectedRequest when the engine cannot be restarted by the agent, a restart is already waiting, or
     *         (for one at once) the server is not running
     */
    java.util.concurrent.CompletableFuture<String> requestRestart(RestartRequest request);

    /**
     * Drops the restart waiting on this node.
     *
     * @return what was dropped, in words
     * @throws RejectedRequest when none waits
     */
    String cancelRestart();

    /**
     * Has the local server reread its configuration files now.
     *
     * @throws RejectedRequest when the engine cannot be reloaded by the agent, or the server refused
     */
    void reload();

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
