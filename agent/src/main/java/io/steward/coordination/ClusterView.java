package io.steward.coordination;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the HA loop reads from ZooKeeper in one tick.
 *
 * @param members every member with a live session and valid content, by name (its znode's name)
 * @param lease the current primary's lease, if anyone holds one that can be read
 * @param badLease a {@code leader} znode that is no usable lease (unreadable, or persistent), if there is one
 * @param epoch the fencing counter (bumped on every change of primary); when the {@code epoch} znode is bad, the
 *        epoch derived instead ({@link ZnodeParser#epoch}), never a default
 * @param initialized whether a cluster has ever been created (by which member)
 * @param maintenance when true, agents report but take no automatic action
 * @param transfer a pending switchover or failover request
 * @param sync the synchronous standby state, in synchronous mode
 * @param settings cluster-wide HA settings (key of the {@code ha:} section to its value as text), which override
 *        every node's own
 * @param failsafe the members the primary counts on in failsafe mode, as it last wrote them
 * @param problems every znode whose content was not used as it is, and why
 */
public record ClusterView(
        Map<String, MemberInfo> members,
        Optional<Lease> lease,
        Optional<BadLease> badLease,
        long epoch,
        Optional<String> initialized,
        boolean maintenance,
        Optional<TransferRequest> transfer,
        Optional<SyncState> sync,
        Map<String, String> settings,
        Optional<FailsafeMembers> failsafe,
        List<StateProblem> problems) {

    public ClusterView {
        members = Map.copyOf(members);
        settings = Map.copyOf(settings);
        problems = List.copyOf(problems);
    }

    /** A view without cluster-wide settings or problems. */
    public ClusterView(
            Map<String, MemberInfo> members,
            Optional<Lease> lease,
            long epoch,
            Optional<String> initialized,
            boolean maintenance,
            Optional<TransferRequest> transfer,
            Optional<SyncState> sync) {
        this(
                members,
                lease,
                Optional.empty(),
                epoch,
                initialized,
                maintenance,
                transfer,
                sync,
                Map.of(),
                Optional.empty(),
                List.of());
    }

    public Optional<MemberInfo> member(String name) {
        return Optional.ofNullable(members.get(name));
    }

    public Optional<MemberInfo> leaderMember() {
        return lease.flatMap(l -> member(l.holder()));
    }
}
