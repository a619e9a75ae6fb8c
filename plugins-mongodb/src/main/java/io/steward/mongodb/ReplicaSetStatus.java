package io.steward.mongodb;

import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.Document;

/**
 * The parts of {@code replSetGetStatus} Steward uses: the term, this member's state, and every member's health,
 * state and last applied operation time.
 *
 * @param term the set's election term: the epoch of its current primary
 * @param myState this member's state number (1 primary, 2 secondary, 7 arbiter; anything else is a problem)
 * @param members every member in the configuration
 */
record ReplicaSetStatus(long term, int myState, List<Member> members) {
    static final int PRIMARY = 1;
    static final int SECONDARY = 2;
    static final int ARBITER = 7;

    /**
     * @param optimeMillis when the last operation it applied was written, in epoch millis; -1 for arbiters and members
     *        that do not answer
     */
    record Member(
            String name,
            boolean healthy,
            int state,
            String stateName,
            long optimeMillis,
            boolean self,
            Optional<String> syncSource) {}

    static ReplicaSetStatus of(Document status) {
        List<Member> members = status.getList("members", Document.class, List.of()).stream()
                .map(m -> new Member(
                        m.getString("name"),
                        ((Number) m.get("health", 0)).doubleValue() > 0,
                        ((Number) m.get("state", 0)).intValue(),
                        m.getString("stateStr") == null ? "UNKNOWN" : m.getString("stateStr"),
                        m.get("optimeDate") instanceof Date date ? date.getTime() : -1,
                        Boolean.TRUE.equals(m.get("self")),
                        Optional.ofNullable(m.getString("syncSourceHost")).filter(host -> !host.isEmpty())))
                .toList();
        return new ReplicaSetStatus(
                ((Number) status.get("term", 0L)).longValue(), ((Number) status.get("myState", 0)).intValue(), members);
    }

    Optional<Member> self() {
        return members.stream().filter(Member::self).findFirst();
    }

    Optional<Member> primary() {
        return members.stream().filter(m -> m.state() == PRIMARY).findFirst();
    }

    /** Why this member is not doing what a member should, if it is not: recovering, starting, removed... */
    Optional<String> problem() {
        if (myState == PRIMARY || myState == SECONDARY || myState == ARBITER) {
            return Optional.empty();
        }
        return Optional.of("member state " + self().map(Member::stateName).orElse(String.valueOf(myState)));
    }

    /** How far this secondary's applied operations are behind the primary's, in seconds; empty when not a secondary. */
    Optional<Long> lagSeconds() {
        Optional<Member> self = self().filter(m -> m.state() == SECONDARY && m.optimeMillis() >= 0);
        Optional<Member> primary = primary().filter(m -> m.optimeMillis() >= 0);
        if (self.isEmpty() || primary.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Math.max(0, primary.get().optimeMillis() - self.get().optimeMillis()) / 1000);
    }

    long healthyMembers() {
        return members.stream().filter(Member::healthy).count();
    }

    long unhealthyMembers() {
        return members.size() - healthyMembers();
    }

    long arbiters() {
        return members.stream().filter(m -> m.state() == ARBITER).count();
    }

    Map<String, Object> details(String setName) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("replica_set", setName);
        details.put("term", term);
        details.put("primary", primary().map(Member::name).orElse(""));
        details.put("healthy_members", healthyMembers());
        details.put("unhealthy_members", unhealthyMembers());
        return details;
    }
}
