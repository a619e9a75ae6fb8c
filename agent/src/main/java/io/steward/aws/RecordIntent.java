package io.steward.aws;

import io.steward.config.Route53Config.RecordType;
import io.steward.coordination.ClusterView;
import io.steward.coordination.MemberInfo;
import io.steward.engine.Role;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What this member wants the cluster's records to say after a tick. Only the provable lease holder, running as the
 * primary, has a say on the primary and reader records; every member has one on its own record.
 *
 * @param primary the target of the primary record, when this member is the primary that provably holds the lease
 * @param readers the reader entries (in member name order); meaningful only with {@code primary}
 * @param self the target of this member's own record, once it has published what the record needs
 * @param weighted the target of this member's entry in the weighted record; empty (entry removed) while the member is
 *        not healthy, so that clients and joining nodes are only ever sent to a serving node
 * @param live what the records of every member present in ZooKeeper hold, healthy or not: an entry of the weighted
 *        record that holds none of them was left by a member whose agent died with its node
 */
public record RecordIntent(
        Optional<Target> primary,
        List<Target> readers,
        Optional<Target> self,
        Optional<Target> weighted,
        Set<String> live) {

    public RecordIntent {
        readers = List.copyOf(readers);
        live = Set.copyOf(live);
    }

    /**
     * @param view the cluster as the tick read it
     * @param self this member's name
     * @param status this member's role and replication position after the tick
     * @param leaseProven whether this member provably holds the lease right now
     * @param maxReaderLag how far behind the primary (bytes) a replica may be and still take reads
     */
    public static RecordIntent of(
            ClusterView view,
            String self,
            Role role,
            long position,
            boolean leaseProven,
            long maxReaderLag,
            RecordType type) {
        Optional<MemberInfo> me = view.member(self);
        Optional<Target> ownTarget = me.flatMap(member -> Target.of(member, type));
        Optional<Target> weighted = me.filter(MemberInfo::healthy).flatMap(member -> Target.of(member, type));
        Set<String> live = view.members().values().stream()
                .flatMap(member -> Target.of(member, type).stream())
                .map(Target::value)
                .collect(Collectors.toSet());
        if (!leaseProven || role != Role.PRIMARY || ownTarget.isEmpty()) {
            return new RecordIntent(Optional.empty(), List.of(), ownTarget, weighted, live);
        }
        List<Target> readers = view.members().values().stream()
                .filter(member -> !member.name().equals(self))
                .filter(member -> takesReads(member, position, maxReaderLag))
                .sorted(Comparator.comparing(MemberInfo::name))
                .flatMap(member -> Target.of(member, type).stream())
                .toList();
        return new RecordIntent(ownTarget, readers, ownTarget, weighted, live);
    }

    /** A replica that streams, is healthy and is close enough behind the primary at {@code primaryPosition}. */
    private static boolean takesReads(MemberInfo member, long primaryPosition, long maxLag) {
        return member.role() == Role.REPLICA
                && member.healthy()
                && member.upstream().isPresent()
                && member.position() >= 0
                && primaryPosition >= 0
                && primaryPosition - member.position() <= maxLag;
    }
}
