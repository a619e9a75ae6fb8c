package io.steward.admin;

import io.steward.coordination.ClusterView;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.engine.ClientConnections;
import io.steward.engine.ClientConnections.Target;
import io.steward.engine.Endpoint;
import io.steward.engine.Role;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The connection strings {@code GET /cluster} offers ({@code steward dsn}), in the engine's words: the core picks the
 * servers from what the members last published, the engine writes the string.
 */
final class ConnectionStrings {
    private final ClientConnections engine;
    private final ClusterView view;

    ConnectionStrings(ClientConnections engine, ClusterView view) {
        this.engine = engine;
        this.view = view;
    }

    /** One member alone, whatever its role. */
    String member(MemberInfo member) {
        return engine.connectionString(List.of(member.database()), Target.ANY);
    }

    /** For each target, a string; null where no healthy member plays it. */
    AdminJson.Connections all() {
        List<MemberInfo> primaries = healthy(Role.PRIMARY)
                // the lease holder first: while two claim the role, the one Steward elected is the primary
                .sorted(Comparator.comparing((MemberInfo m) -> !isLeaseHolder(m))
                        .thenComparing(MemberInfo::name))
                .toList();
        List<MemberInfo> replicas = healthy(Role.REPLICA)
                // the most advanced first: the freshest reads
                .sorted(Comparator.comparingLong(MemberInfo::position)
                        .reversed()
                        .thenComparing(MemberInfo::name))
                .toList();
        return new AdminJson.Connections(
                forTarget(Target.PRIMARY, primaries, replicas),
                forTarget(Target.REPLICA, replicas, primaries),
                forTarget(
                        Target.ANY,
                        Stream.concat(primaries.stream(), replicas.stream()).toList(),
                        List.of()));
    }

    /**
     * The servers that play {@code target}, then the other healthy members: an engine whose clients find their way
     * among several (a seed list, a host list checked for the role) still reaches the target after the next change
     * of primary.
     */
    private String forTarget(Target target, List<MemberInfo> playing, List<MemberInfo> others) {
        if (playing.isEmpty()) {
            return null;
        }
        List<Endpoint> servers = Stream.concat(playing.stream(), others.stream())
                .map(MemberInfo::database)
                .toList();
        return engine.connectionString(servers, target);
    }

    private Stream<MemberInfo> healthy(Role role) {
        return view.members().values().stream().filter(m -> m.healthy() && m.role() == role);
    }

    private boolean isLeaseHolder(MemberInfo member) {
        return view.lease().map(Lease::holder).filter(member.name()::equals).isPresent();
    }
}
