package io.steward.postgres.wal;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the WAL archive in the agent's {@link MetricRegistry}, named as Prometheus names like
 * {@link io.steward.metrics.AgentMetrics}. A push that found the object already archived counts as a push of 0 bytes.
 */
public final class WalArchiveMetrics {
    public static final String PUSHES = "steward_wal_pushes";
    public static final String PUSH_FAILURES = "steward_wal_push_failures";
    public static final String PUSHED_BYTES = "steward_wal_pushed_bytes";
    public static final String LAST_PUSH_SECONDS = "steward_wal_last_push_seconds";
    public static final String FETCHES = "steward_wal_fetches";
    public static final String FETCH_FAILURES = "steward_wal_fetch_failures";

    private final Counter pushes;
    private final Counter pushFailures;
    private final Counter pushedBytes;
    private final Counter fetches;
    private final Counter fetchFailures;
    /** Unix time in seconds of the last successful push; 0 until one happens. */
    private final AtomicLong lastPushSeconds = new AtomicLong();

    public WalArchiveMetrics(MetricRegistry registry) {
        pushes = registry.counter(PUSHES);
        pushFailures = registry.counter(PUSH_FAILURES);
        pushedBytes = registry.counter(PUSHED_BYTES);
        fetches = registry.counter(FETCHES);
        fetchFailures = registry.counter(FETCH_FAILURES);
        registry.gauge(LAST_PUSH_SECONDS, () -> (Gauge<Long>) lastPushSeconds::get);
    }

    void pushed(long bytes) {
        pushes.inc();
        pushedBytes.inc(bytes);
        lastPushSeconds.set(Instant.now().getEpochSecond());
    }

    void pushFailed() {
        pushFailures.inc();
    }

    void fetched() {
        fetches.inc();
    }

    void fetchFailed() {
        fetchFailures.inc();
    }
}
