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
 */
public record ClusterView(Map<String, MemberInfo> members, Optional<Lease> lease, long epoch,
                          Optional<String> initialized, boolean maintenance, Optional<TransferRequest> transfer,
                          Optional<SyncState> sync) {

    public ClusterView {
        members = Map.copyOf(members);
    }

    public Optional<MemberInfo> member(String name) {
        return Optional.ofNullable(members.get(name));
    }

    public Optional<MemberInfo> leaderMember() {
        return lease.flatMap(l -> member(l.holder()));
    }
}
