package io.steward.ha;

import io.steward.coordination.MemberInfo;
import java.time.Duration;
import java.util.Optional;

/**
 * This member's entry as last published, and when, pure. An entry is published again when its content changed, a
 * {@code loop_wait} has passed (so that the others see it alive and see its position move), or the lease changed hands
 * (so that the new primary sees every member at once).
 *
 * @param member what was published
 * @param atNanos when ({@link Clock#nanoTime()})
 * @param leaseHolder who held the lease then
 */
record Publication(MemberInfo member, long atNanos, Optional<String> leaseHolder) {

    /** Whether {@code member} is to be published now, after {@code last} (empty: nothing yet). */
    static boolean due(
            Optional<Publication> last, MemberInfo member, Optional<String> leaseHolder, long now, Duration loopWait) {
        return last.isEmpty()
                || !sameContent(last.get().member(), member)
                || now - last.get().atNanos() >= loopWait.toNanos()
                || !last.get().leaseHolder().equals(leaseHolder);
    }

    /** Whether two entries say the same, apart from the time they were made at, what never changes and the replay delay. */
    static boolean sameContent(MemberInfo a, MemberInfo b) {
        return a.role() == b.role()
                && a.healthy() == b.healthy()
                && a.position() == b.position()
                && a.timeline() == b.timeline()
                && a.upstream().equals(b.upstream())
                && a.replayPaused() == b.replayPaused()
                && a.problem().equals(b.problem())
                && a.tags().equals(b.tags())
                && a.standingAside().equals(b.standingAside())
                // not the replay delay: it moves with every change the primary makes, and each loop_wait publishes it
                && a.engineReport().pendingRestart() == b.engineReport().pendingRestart();
    }
}
