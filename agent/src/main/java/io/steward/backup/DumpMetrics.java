package io.steward.backup;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Dumps in the agent's {@link MetricRegistry}, named as Prometheus names like {@link WalArchiveMetrics}. */
public final class DumpMetrics {
    public static final String DUMPS = "steward_dumps";
    public static final String FAILURES = "steward_dump_failures";
    public static final String LAST_SECONDS = "steward_dump_last_seconds";
    public static final String LAST_SIZE_BYTES = "steward_dump_last_size_bytes";

    private final Counter dumps;
    private final Counter failures;
    /** Unix time in seconds of the last dump archived; 0 until one is. */
    private final AtomicLong lastSeconds = new AtomicLong();
    /** The uncompressed size of the last dump archived. */
    private final AtomicLong lastSize = new AtomicLong();

    public DumpMetrics(MetricRegistry registry) {
        dumps = registry.counter(DUMPS);
        failures = registry.counter(FAILURES);
        registry.gauge(LAST_SECONDS, () -> (Gauge<Long>) lastSeconds::get);
        registry.gauge(LAST_SIZE_BYTES, () -> (Gauge<Long>) lastSize::get);
    }

    void archived(long size) {
        dumps.inc();
        lastSeconds.set(Instant.now().getEpochSecond());
        lastSize.set(size);
    }

    void failed() {
        failures.inc();
    }
}
