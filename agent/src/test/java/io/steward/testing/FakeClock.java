package io.steward.testing;

import io.steward.ha.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A clock that moves only when told: {@link #advance}, or a {@link #sleep} (which also runs what the test hooked on to
 * sleeps, such as another member's tick while this one waits for it). Its monotonic time starts well away from zero,
 * as the machine's does, so that "never" (0) is long ago.
 */
public final class FakeClock implements Clock {
    private long nanos = Duration.ofHours(1).toNanos();
    private Instant wall = Instant.parse("2026-12-07T10:00:00Z");
    private final List<Runnable> onSleep = new ArrayList<>();

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized Instant now() {
        return wall;
    }

    /** Moves both clocks on by {@code duration}. */
    public synchronized void advance(Duration duration) {
        nanos += duration.toNanos();
        wall = wall.plus(duration);
    }

    /** Moves the clocks on, then runs every sleep hook: what happens elsewhere while the caller waits. */
    @Override
    public void sleep(Duration duration) {
        advance(duration);
        List<Runnable> hooks;
        synchronized (this) {
            hooks = List.copyOf(onSleep);
        }
        hooks.forEach(Runnable::run);
    }

    /** Runs {@code hook} after every sleep. */
    public synchronized void onSleep(Runnable hook) {
        onSleep.add(hook);
    }
}
