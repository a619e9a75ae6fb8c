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
 * (a snapshot set or dump taken through the API) {@linkplain #invalidate() invalidates} it, so it shows at once.
 */
final class CachedListing<T> {
    static final Duration MAX_AGE = Duration.ofMinutes(1);

    private final Supplier<T> source;
    private final LongSupplier nanoClock;
    private boolean loaded;
    private long loadedAt;
    private T value;
    private RuntimeException failure;

    CachedListing(Supplier<T> source) {
        this(source, System::nanoTime);
    }

    CachedListing(Supplier<T> source, LongSupplier nanoClock) {
        this.source = source;
        this.nanoClock = nanoClock;
    }

    /** The listing, from the source when the kept one is older than {@link #MAX_AGE} or was invalidated. */
    synchronized T get() {
        long now = nanoClock.getAsLong();
        if (!loaded || now - loadedAt >= MAX_AGE.toNanos()) {
            try {
                value = source.get();
                failure = null;
            } catch (RuntimeException e) {
                value = null;
                failure = e;
            }
            loaded = true;
            loadedAt = now;
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
