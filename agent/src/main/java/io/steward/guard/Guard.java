package io.steward.guard;

import java.time.Duration;

/** A running guard: it acts unless renewed in time ({@link GuardProcess}). */
public interface Guard extends AutoCloseable {

    /** Promises {@code validFor} more; the guard acts if no promise follows in time. */
    void renew(Duration validFor);

    /** Whether the guard still runs (it has not acted, or been stopped). */
    boolean alive();

    /** Stops the guard without acting (what it guarded ended in an orderly way). */
    @Override
    void close();
}
