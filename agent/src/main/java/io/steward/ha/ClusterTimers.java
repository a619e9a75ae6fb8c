package io.steward.ha;

import io.steward.coordination.ClusterView;
import io.steward.coordination.Lease;
import io.steward.engine.EngineStatus;
import io.steward.engine.Role;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the loop remembers from tick to tick about the cluster, pure: since when the primary it leads has been down and
 * since when nobody has held the lease ({@link Clock#nanoTime()}), how far the primary had come when last seen, and who
 * held the lease last. Each tick makes a new value.
 *
 * @param primaryDownSince while this node holds the lease: since when its server has not been a running primary
 * @param leaderlessSince since when this node has seen no lease holder
 * @param lastPrimaryPosition the primary's position when it last published one (or this node's, while it leads); -1
 *        before any
 * @param lastLeaseHolder who held the lease when one was last seen
 */
record ClusterTimers(
        OptionalLong primaryDownSince,
        OptionalLong leaderlessSince,
        long lastPrimaryPosition,
        Optional<String> lastLeaseHolder) {

    /** Before the first tick. */
    static final ClusterTimers START =
            new ClusterTimers(OptionalLong.empty(), OptionalLong.empty(), -1, Optional.empty());

    /** What a tick that began at {@code now} saw: the cluster as read (or as last read) and the local server. */
    ClusterTimers observe(ClusterView view, String self, boolean holdsLease, EngineStatus probed, long now) {
        OptionalLong down = holdsLease && probed.role() != Role.PRIMARY
                ? (primaryDownSince.isPresent() ? primaryDownSince : OptionalLong.of(now))
                : OptionalLong.empty();
        if (view.lease().isEmpty()) {
            return new ClusterTimers(
                    down,
                    leaderlessSince.isPresent() ? leaderlessSince : OptionalLong.of(now),
                    lastPrimaryPosition,
                    lastLeaseHolder);
        }
        long position = lastPrimaryPosition;
        Optional<Long> published = view.leaderMember()
                .filter(m -> !m.name().equals(self) && m.position() >= 0)
                .map(m -> m.position());
        if (published.isPresent()) {
            position = published.get();
        }
        if (holdsLease && probed.role() == Role.PRIMARY) {
            position = probed.position();
        }
        return new ClusterTimers(
                down, OptionalLong.empty(), position, view.lease().map(Lease::holder));
    }

    /**
     * After an action: a lease holder whose server now runs as primary (restarted or promoted) starts the time-down
     * clock again from its next crash, not its first.
     */
    ClusterTimers afterAction(boolean holdsLease, EngineStatus now) {
        return holdsLease && now.role() == Role.PRIMARY
                ? new ClusterTimers(OptionalLong.empty(), leaderlessSince, lastPrimaryPosition, lastLeaseHolder)
                : this;
    }

    /** While holding the lease: how long the local server has not been a running primary, as of {@code now}. */
    Optional<Duration> primaryDownFor(long now) {
        return primaryDownSince.isPresent()
                ? Optional.of(Duration.ofNanos(now - primaryDownSince.getAsLong()))
                : Optional.empty();
    }

    /** How long nobody has held the lease as of {@code now}; zero while somebody does. */
    Duration leaderlessFor(long now) {
        return leaderlessSince.isPresent() ? Duration.ofNanos(now - leaderlessSince.getAsLong()) : Duration.ZERO;
    }

    /** How far behind the primary a node in {@code status} is: 0 on the primary, -1 when unknown. */
    long lagBytes(EngineStatus status) {
        if (status.role() == Role.PRIMARY) {
            return 0;
        }
        if (status.position() < 0 || lastPrimaryPosition < 0) {
            return -1;
        }
        return Math.max(0, lastPrimaryPosition - status.position());
    }
}
