package io.steward.ha;

import io.steward.coordination.ClusterView;
import io.steward.coordination.MemberInfo;
import io.steward.engine.EngineStatus;
import io.steward.engine.Role;
import java.util.Locale;
import java.util.Optional;

/**
 * What an agent that shuts down does with the lease and with the server it runs (an engine whose primary Steward
 * elects; a database that elects its own leaves its cluster its own way): a pure function, every case unit-tested. The
 * member has already said in its znode that it is stopping, so no other member chooses it meanwhile.
 */
final class StopRules {

    private StopRules() {}

    /**
     * One shutdown's plan, carried out in this order: hand over (which stops the server first) or release the lease
     * (stopping a primary first), then stop the server if it still runs.
     *
     * @param handOverTo the replica that gets the lease once it has everything this primary wrote
     * @param releaseLease give the lease up at once (never with {@code handOverTo})
     * @param stopServer stop the local server cleanly (its engine's clean stop, within its {@code stop_timeout})
     * @param reason in words, for the log line
     */
    record Step(Optional<MemberInfo> handOverTo, boolean releaseLease, boolean stopServer, String reason) {
        @Override
        public String toString() {
            return reason;
        }
    }

    /**
     * @param holdsLease whether this node holds the lease
     * @param stopServerOnExit {@code node.stop_server_on_exit}: false leaves a replica's server running (an agent
     *     upgrade without a database restart); a primary's server stops whatever it says, since nothing would guard it
     *     once the agent is gone
     */
    static Step onStop(
            ClusterView view, EngineStatus engine, boolean holdsLease, Policy policy, boolean stopServerOnExit) {
        long epoch = view.epoch();
        boolean primary = engine.role() == Role.PRIMARY;
        if (holdsLease && primary) {
            Optional<MemberInfo> successor = HaRules.successorOnStop(view, policy);
            if (successor.isPresent()) {
                return new Step(
                        successor,
                        false,
                        true,
                        "primary of epoch " + epoch + "; handing over to "
                                + successor.get().name()
                                + ", the best healthy replica not shutting down, then stopping the server");
            }
            return new Step(
                    Optional.empty(),
                    true,
                    true,
                    "primary of epoch " + epoch + ", and no healthy promotable replica that is not shutting down; "
                            + "stopping the server and releasing the lease at once");
        }
        if (primary) {
            return new Step(
                    Optional.empty(),
                    false,
                    true,
                    "running as primary without the lease of epoch " + epoch + "; stopping the server whatever "
                            + "stop_server_on_exit says, as no fence guard watches it once the agent is gone");
        }
        String lease = holdsLease
                ? "holding the lease of epoch " + epoch + " without a running primary; releasing it, and "
                : "";
        String role = engine.role().name().toLowerCase(Locale.ROOT);
        String server = stopServerOnExit
                ? "stopping the server (" + role + ")"
                : "leaving the server (" + role + ") as it is: node.stop_server_on_exit is false";
        return new Step(Optional.empty(), holdsLease, stopServerOnExit, lease + server);
    }

    /**
     * Why a primary handing over stops waiting for {@code candidate} before it caught up: it left the cluster, or it
     * is shutting down itself; empty while it may still catch up.
     */
    static Optional<String> candidateGone(String candidate, Optional<MemberInfo> member) {
        if (member.isEmpty()) {
            return Optional.of(candidate + " left the cluster");
        }
        return member.get().stopping() ? Optional.of(candidate + " is shutting down") : Optional.empty();
    }
}
