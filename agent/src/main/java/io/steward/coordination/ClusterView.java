package io.steward.coordination;

import java.util.Map;
import java.util.Optional;

/**
 * Everything the HA loop reads from ZooKeeper in one tick.
 *
 * @param members every member with a live session, by name
 * @param lease the current primary's lease, if anyone holds it
 * @param epoch the fencing counter (bumped on every change of primary)
 * @param initialized whether a cluster has ever been created (by which member)
 * @param maintenance when true, agents report but take no automatic action
 * @param transfer a pending switchover or failover request
 * @param sync the synchronous standby state, in synchronous mode
 * @param settings cluster-wide HA settings (key of the {@code ha:} section to its value as text), which override
 *        every node's own
 * @param failsafe the members the primary counts on in failsafe mode, as it last wrote them
 */
public record ClusterView(Map<String, MemberInfo> members, Optional<Lease> lease, long epoch,
                          Optional<String> initialized, boolean maintenance, Optional<TransferRequest> transfer,
                          Optional<SyncState> sync, Map<String, String> settings, Optional<FailsafeMembers> failsafe) {

    public ClusterView {
        members = Map.copyOf(members);
        settings = Map.copyOf(settings);
    }

    /** A view without cluster-wide settings. */
    public ClusterView(Map<String, MemberInfo> members, Optional<Lease> lease, long epoch, Optional<String> initialized,
                       boolean maintenance, Optional<TransferRequest> transfer, Optional<SyncState> sync) {
        this(members, lease, epoch, initialized, maintenance, transfer, sync, Map.of(), Optional.empty());
    }

    public Optional<MemberInfo> member(String name) {
        return Optional.ofNullable(members.get(name));
    }

    public Optional<MemberInfo> leaderMember() {
        return lease.flatMap(l -> member(l.holder()));
    }
}
