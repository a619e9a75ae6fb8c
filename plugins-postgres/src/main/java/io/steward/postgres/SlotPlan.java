package io.steward.postgres;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What the primary does to its physical replication slots so that each other member has exactly one: create the
 * missing ones; drop a slot only if Steward made it, its member left, and nothing streams from it, so that the slots
 * of other tools are safe.
 *
 * @param create slots to create, in name order
 * @param drop slots to drop, in name order
 */
record SlotPlan(List<String> create, List<String> drop) {

    /** The slots the members other than {@code self} use. */
    static Set<String> wanted(Set<String> memberNames, String self) {
        return memberNames.stream()
                .filter(name -> !name.equals(self))
                .map(ConfigWriter::slotName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * @param wanted the slots of the current members
     * @param existing the server's physical, permanent slots, each with whether a replica streams from it now
     * @param ours the slots Steward created on this node
     */
    static SlotPlan of(Set<String> wanted, Map<String, Boolean> existing, Set<String> ours) {
        List<String> create = wanted.stream()
                .filter(slot -> !existing.containsKey(slot))
                .sorted()
                .toList();
        List<String> drop = existing.entrySet().stream()
                .filter(slot -> !wanted.contains(slot.getKey()) && ours.contains(slot.getKey()) && !slot.getValue())
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        return new SlotPlan(create, drop);
    }
}
