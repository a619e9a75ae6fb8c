package io.steward.coordination;

import java.time.Duration;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * How long the ensemble's leader must still keep this client's ZooKeeper session alive, worked out from the syncs
 * the ensemble answered. Only the leader expires sessions, and an ephemeral lease passes to another member only once
 * the leader has expired the session that owns it; a follower cut off from the leader goes on answering plain reads
 * (for up to {@code syncLimit × tickTime}) while the leader may have expired the session already. So a lease is
 * proven only by a read that follows a {@code sync()} the leader answered, and it lasts only as long as the leader's
 * own clock for the session, which this class bounds from below.
 *
 * <p>ZooKeeper's rules this rests on (3.9, {@code SessionTrackerImpl}, {@code ExpiryQueue}, {@code Learner},
 * {@code LearnerHandler}, {@code Leader}):
 * <ol>
 * <li>A session touched by the leader at time t expires no sooner than t + session timeout S (the expiry is rounded
 * <em>up</em> to the next tick). A session's expiry only moves forward.</li>
 * <li>A follower notes every request of a session it serves as a touch, and passes its touches on to the leader in
 * its answer to the leader's next PING; the leader pings each follower every half tick, and touches the sessions an
 * answer names when it reads the answer.</li>
 * <li>A follower forwards a sync to the leader on the same TCP connection as its PING answers, so the leader reads
 * every PING answer sent before the sync before it answers the sync. The leader answers a sync only once every
 * earlier proposal has committed, and a read sent after the sync by the same session is served after it.</li>
 * <li>A session that connects to another server is revalidated by the leader through that server, which touches it
 * at the leader before any of its requests through that server; creating a session touches it too.</li>
 * <li>The client library pings its server whenever it has sent nothing for a third of the session timeout.</li>
 * </ol>
 *
 * <p>Hence, for a sync sent at T (taken <em>before</em> sending) and answered: the follower forwarded it no earlier
 * than T. Assume only that the ensemble's servers deliver and answer their PINGs within a quarter tick (ZooKeeper's
 * own failure detection rests on timely PINGs too). Then the follower answered a PING after any request it received
 * at least one tick before T and before it forwarded the sync, so the leader had touched the session, no earlier
 * than that request was sent, when it answered (rules 2, 3; rule 4 covers a change of server in between). The
 * session therefore lives at least until
 *
 * <pre>  S + max( A , T − tick − S/3 )</pre>
 *
 * where A is the send time of the latest answered sync of the same session sent at least one tick before T, and the
 * second term stands in when there is none: some request (a ping, rule 5) reached the server within S/3 before the
 * PING answer that came at most three quarters of a tick before T.
 */
public final class SessionLiveness {
    /** Syncs kept as anchors; enough for several seconds of ticks and proofs, beyond which they would not help. */
    private static final int KEPT = 64;

    private final long tickNanos;
    /** Send times of answered syncs of {@link #session}. */
    private final NavigableMap<Long, Boolean> answered = new TreeMap<>();

    private long session;

    /** @param serverTick the ensemble's {@code tickTime}; stating more than it is costs lease time, less is unsafe */
    public SessionLiveness(Duration serverTick) {
        this.tickNanos = serverTick.toNanos();
    }

    /**
     * Records that a sync of session {@code sessionId}, sent at {@code sentNanos} ({@link System#nanoTime()}), was
     * answered, and returns the instant (same clock) before which the ensemble's leader cannot expire that session.
     */
    public synchronized long answered(long sessionId, long sentNanos, Duration sessionTimeout) {
        if (sessionId != session) {
            answered.clear();
            session = sessionId;
        }
        long timeout = sessionTimeout.toNanos();
        long from = sentNanos - tickNanos - timeout / 3;
        Long anchor = answered.floorKey(sentNanos - tickNanos);
        if (anchor != null) {
            from = Math.max(from, anchor);
        }
        answered.put(sentNanos, Boolean.TRUE);
        while (answered.size() > KEPT) {
            answered.pollFirstEntry();
        }
        return from + timeout;
    }
}
