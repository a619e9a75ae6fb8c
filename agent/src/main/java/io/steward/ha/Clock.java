package io.steward.ha;

import java.time.Duration;
import java.time.Instant;

/**
 * The HA loop's time: a monotonic clock for deadlines (the lease, timers, waits) and the wall clock for what people
 * and other members read. Production uses {@link #SYSTEM}; tests move a clock of their own by hand.
 */
public interface Clock {

    /** A monotonic instant in nanoseconds, comparable only with others of the same clock ({@link System#nanoTime()}). */
    long nanoTime();

    /** The wall-clock time now. */
    Instant now();

    /** The wall-clock time now, in milliseconds since the epoch. */
    default long currentTimeMillis() {
        return now().toEpochMilli();
    }

    /** Waits {@code duration}; an interrupted wait throws {@link IllegalStateException}, the interrupt kept. */
    void sleep(Duration duration);

    /** The machine's clocks, and a real wait. */
    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }

        @Override
        public void sleep(Duration duration) {
            try {
                Thread.sleep(duration.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    };
}
