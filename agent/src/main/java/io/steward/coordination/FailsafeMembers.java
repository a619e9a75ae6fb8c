package io.steward.coordination;

import java.util.Map;

/**
 * The znode {@code failsafe}: the members whose confirmation the primary of {@code epoch} needs to go on taking writes
 * while ZooKeeper is unreachable (failsafe mode), written by that primary while it still reaches ZooKeeper. Only these
 * members may take the lease after that primary in failsafe mode: any other could be promoted behind the back of a
 * primary that never asked it.
 *
 * @param leader the primary that wrote it
 * @param epoch the epoch of its lease
 * @param members every other member, by name, with the admin API where it answers the primary's failsafe calls
 */
public record FailsafeMembers(String leader, long epoch, Map<String, String> members) {
    public FailsafeMembers {
        members = members == null ? Map.of() : Map.copyOf(members);
    }
}
