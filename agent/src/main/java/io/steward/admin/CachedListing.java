package io.steward.admin;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The last outcome of a listing that costs a call to AWS (the snapshot catalog and the dumps are S3 LISTs), served
 * for up to {@link #MAX_AGE}: {@code GET /snapshots} and {@code GET /dumps} need no token, and every request would
 * otherwise be an S3 request, which anyone who can reach the port could turn into cost and throttling of the
 * archive's own calls. A failure is kept as long as a result (a throttled S3 must not be asked again at once);
 * callers asking at the same time wait for one call rather than each making their own. What this agent itself adds
 * (a snapshot set or dump taken through the API) {@linkplain #invalidate() invalidates} it, so it shows at once; so
 * does whatever else the agent writes to what is listed (a set its schedule takes, completes or purges), counted by
 * {@code ownWrites}. Neither lets a client cause a call: only the agent's own work does.
 */
final class CachedListing<T> {
    static final Duration MAX_AGE = Duration.ofMinutes(1);

    private final Supplier<T> source;
    private final LongSupplier ownWrites;
    private final LongSupplier nanoClock;
    private boolean loaded;
    private long loadedAt;
    private long ownWritesAtLoad;
    private T value;
    private RuntimeException failure;

    /** A listing this agent never writes to other than through requests that {@linkplain #invalidate() invalidate} it. */
    CachedListing(Supplier<T> source) {
        this(source, () -> 0, System::nanoTime);
    }

    /** @param ownWrites how many times this agent has changed what {@code source} lists, so far */
    CachedListing(Supplier<T> source, LongSupplier ownWrites) {
        this(source, ownWrites, System::nanoTime);
    }

    CachedListing(Supplier<T> source, LongSupplier ownWrites, LongSupplier nanoClock) {
        this.source = source;
        this.ownWrites = ownWrites;
        this.nanoClock = nanoClock;
    }

    /**
     * The listing, from the source when the kept one is older than {@link #MAX_AGE}, was invalidated, or was read
     * before this agent's latest write.
     */
    synchronized T get() {
        long now = nanoClock.getAsLong();
        // counted before the source is read: a write during the read makes the next call read again
        long writes = ownWrites.getAsLong();
        if (!loaded || writes != ownWritesAtLoad || now - loadedAt >= MAX_AGE.toNanos()) {
            try {
                value = source.get();
                failure = null;
            } catch (RuntimeException e) {
                value = null;
                failure = e;
            }
            loaded = true;
            loadedAt = now;
            ownWritesAtLoad = writes;
        }
        if (failure != null) {
            throw failure;
        }
        return value;
    }

    synchronized void invalidate() {
        loaded = false;
    }
}
