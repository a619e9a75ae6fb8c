package io.steward.engine;

import java.util.List;
import java.util.Optional;

/**
 * One probe of the local database server. Probing never throws: what went wrong is in {@link #problem}.
 *
 * @param role what the server is doing now
 * @param dataState what the data directory holds
 * @param position the replication position (bytes, such as a log sequence number) that this node has, or -1 when
 *        unknown. On a primary the current write position, on a replica the last replayed or received position,
 *        whichever is further. On a cleanly stopped server, the end of its log when it can be read cheaply (so that
 *        a switchover can check that the candidate has everything), else -1.
 * @param timeline the engine's history counter (a timeline), 0 when unknown or not applicable
 * @param upstream the address ({@code host:port}) this replica streams from, when it is streaming
 * @param replayPaused whether a replica has been told to stop applying what it receives
 * @param replicas on a primary, the replicas connected to it
 * @param problem a one-line reason when the server is not healthy
 */
public record EngineStatus(
        Role role,
        DataState dataState,
        long position,
        long timeline,
        Optional<String> upstream,
        boolean replayPaused,
        List<ReplicaLink> replicas,
        Optional<String> problem) {

    public EngineStatus {
        upstream = upstream == null ? Optional.empty() : upstream;
        replicas = replicas == null ? List.of() : List.copyOf(replicas);
        problem = problem == null ? Optional.empty() : problem;
    }

    public static EngineStatus stopped(DataState dataState, Optional<String> problem) {
        return new EngineStatus(Role.STOPPED, dataState, -1, 0, Optional.empty(), false, List.of(), problem);
    }

    public boolean running() {
        return role != Role.STOPPED;
    }

    public boolean streaming() {
        return role == Role.REPLICA && upstream.isPresent();
    }
}
