package io.steward.coordination;

import io.steward.engine.Endpoint;
import io.steward.engine.Role;
import java.util.Map;
import java.util.Optional;

/**
 * What one agent publishes about its node in its ephemeral {@code members/<name>} znode, every tick.
 *
 * @param name member name
 * @param role the role its database plays now
 * @param healthy whether its database runs and does what its role needs (a primary takes writes, a replica replays)
 * @param database where its database accepts connections
 * @param apiUrl its admin API
 * @param position replication position (bytes), -1 when unknown
 * @param timeline engine history counter
 * @param upstream whom it replicates from, when streaming
 * @param replayPaused whether it has been told to stop applying changes
 * @param noFailover tag: never promote
 * @param priority rank among failover candidates (the engine decides whether before or after position);
 *        0 never promotes
 * @param agentVersion the agent's version
 * @param updatedAtMillis when this was published (epoch millis)
 * @param problem why it is not healthy
 * @param dnsName its DNS name, when known: what CNAME records pointing at it hold
 * @param tags how its engine wants it to be a member ({@link io.steward.engine.ManagedMembership#memberTags()})
 * @param standingAside why it does not take the primary's role for now, whatever its tags (its fence guard cannot
 *        start); empty when it may
 * @param stopping whether its agent is shutting down: it is never chosen to take the lease, and a primary handing over
 *        stops waiting for it; absent (false) in what agents from before it published
 * @param engineReport what its engine reports for the operator alone (replay delay, pending restart)
 */
public record MemberInfo(
        String name,
        Role role,
        boolean healthy,
        Endpoint database,
        String apiUrl,
        long position,
        long timeline,
        Optional<String> upstream,
        boolean replayPaused,
        boolean noFailover,
        int priority,
        String agentVersion,
        long updatedAtMillis,
        Optional<String> problem,
        Optional<String> dnsName,
        Map<String, String> tags,
        Optional<String> standingAside,
        boolean stopping,
        EngineReport engineReport) {

    public MemberInfo {
        upstream = upstream == null ? Optional.empty() : upstream;
        problem = problem == null ? Optional.empty() : problem;
        // absent in what agents from before DNS names published
        dnsName = dnsName == null ? Optional.empty() : dnsName;
        // absent in what agents from before tags published
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        // absent in what agents from before standing aside published
        standingAside = standingAside == null ? Optional.empty() : standingAside;
        // ---- operator's facts (steward status): absent in what agents from before engine reports published
        engineReport = engineReport == null ? EngineReport.NONE : engineReport;
    }

    /** A member whose engine reports nothing for the operator ({@link EngineReport#NONE}). */
    public MemberInfo(
            String name,
            Role role,
            boolean healthy,
            Endpoint database,
            String apiUrl,
            long position,
            long timeline,
            Optional<String> upstream,
            boolean replayPaused,
            boolean noFailover,
            int priority,
            String agentVersion,
            long updatedAtMillis,
            Optional<String> problem,
            Optional<String> dnsName,
            Map<String, String> tags,
            Optional<String> standingAside,
            boolean stopping) {
        this(
                name,
                role,
                healthy,
                database,
                apiUrl,
                position,
                timeline,
                upstream,
                replayPaused,
                noFailover,
                priority,
                agentVersion,
                updatedAtMillis,
                problem,
                dnsName,
                tags,
                standingAside,
                stopping,
                EngineReport.NONE);
    }

    /** The same member, with what its engine reports for the operator. */
    public MemberInfo reporting(EngineReport report) {
        return new MemberInfo(
                name,
                role,
                healthy,
                database,
                apiUrl,
                position,
                timeline,
                upstream,
                replayPaused,
                noFailover,
                priority,
                agentVersion,
                updatedAtMillis,
                problem,
                dnsName,
                tags,
                standingAside,
                stopping,
                report);
    }

    /** Whether the member allows itself to be promoted at all (its tags, and whether it stands aside; not its state). */
    public boolean promotable() {
        return !noFailover && priority > 0 && standingAside.isEmpty();
    }
}
