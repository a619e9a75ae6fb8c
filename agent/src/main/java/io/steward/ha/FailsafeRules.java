package io.steward.ha;

import io.steward.coordination.ClusterView;
import io.steward.coordination.FailsafeMembers;
import io.steward.coordination.Lease;
import io.steward.engine.Role;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Failsafe mode's decisions, pure. While ZooKeeper cannot be reached, the primary may go on taking writes only as long
 * as every member it counts on ({@link FailsafeMembers}) confirms that it cannot reach ZooKeeper either, knows no later
 * epoch, and still sees the caller as the primary; one member missing or dissenting confirms nothing more, and it
 * demotes once the last confirmations of every member run out. A member that confirms
 * promises not to take the lease for as long as the caller will count on the confirmation, so that regaining ZooKeeper
 * a moment later cannot make it a second primary; a member that reaches ZooKeeper never confirms, so failsafe calls
 * never keep it from an election it can hold.
 */
public final class FailsafeRules {

    private FailsafeRules() {}

    /** A primary's failsafe call: it holds the lease of {@code epoch} and counts on the answer for {@code validForMillis}. */
    public record Call(String leader, long epoch, long validForMillis) {}

    /** What a member answers a call: a confirmation, or the reason it will not confirm. */
    public sealed interface Answer {
        record Confirmed() implements Answer {}

        record Refused(String reason) implements Answer {}
    }

    /**
     * What this member answers a failsafe call.
     *
     * @param failsafeMode whether failsafe mode is on in this member's own (last known) settings
     * @param zookeeperReachable whether this member reaches ZooKeeper now
     * @param lastView the cluster as this member last read it
     * @param localRole what its own server is now
     */
    public static Answer answer(
            Call call, boolean failsafeMode, boolean zookeeperReachable, ClusterView lastView, Role localRole) {
        if (!failsafeMode) {
            return refused("failsafe mode is off on this member");
        }
        if (zookeeperReachable) {
            return refused("this member reaches ZooKeeper: the lease decides, not failsafe mode");
        }
        if (localRole == Role.PRIMARY) {
            return refused("this member runs as primary itself");
        }
        if (lastView.epoch() > call.epoch()) {
            return refused(
                    "this member has seen epoch " + lastView.epoch() + ", later than the caller's " + call.epoch());
        }
        Optional<String> holder = lastView.lease().map(Lease::holder);
        if (holder.filter(call.leader()::equals).isEmpty()) {
            return refused("this member last saw "
                    + holder.map(h -> h + " hold the lease").orElse("no lease holder") + " (epoch " + lastView.epoch()
                    + "), not " + call.leader());
        }
        if (call.validForMillis() <= 0) {
            return refused(
                    "a confirmation must be counted on for a positive time, not " + call.validForMillis() + " ms");
        }
        return new Answer.Confirmed();
    }

    /**
     * The members a primary must call: every member of the record but itself, as long as the record is its own (its
     * name, its epoch); empty when it is not, and then failsafe mode cannot keep it primary.
     */
    public static Optional<FailsafeMembers> membersToCall(ClusterView view, String self, long heldEpoch) {
        return view.failsafe().filter(f -> f.leader().equals(self) && f.epoch() == heldEpoch);
    }

    /** What the primary of {@code epoch} writes as its record: every other member it sees, with its admin API. */
    public static FailsafeMembers record(ClusterView view, String self, long epoch) {
        return new FailsafeMembers(
                self,
                epoch,
                view.members().values().stream()
                        .filter(m -> !m.name().equals(self))
                        .collect(Collectors.toMap(m -> m.name(), m -> m.apiUrl())));
    }

    /**
     * Why this member may not take the lease in failsafe mode, if it may not: the primary of the current epoch did not
     * count on it, so it could be promoted behind the back of a primary that goes on taking writes.
     */
    public static Optional<String> whyNotACandidate(ClusterView view, String self) {
        return view.failsafe()
                .filter(f -> f.epoch() == view.epoch()
                        && !f.leader().equals(self)
                        && !f.members().containsKey(self))
                .map(f -> "failsafe mode, and the primary of epoch " + f.epoch() + " (" + f.leader() + ") counts on "
                        + names(f.members().keySet()) + " but not on this member");
    }

    private static String names(java.util.Set<String> members) {
        return members.isEmpty()
                ? "no other member"
                : String.join(", ", members.stream().sorted().toList());
    }

    private static Answer refused(String reason) {
        return new Answer.Refused(reason);
    }
}
