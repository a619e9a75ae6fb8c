package io.steward.mongodb;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.bson.Document;

/**
 * The book's MongoDB monitor list as gauges, from the probe's {@code serverStatus} and {@code replSetGetStatus}:
 * queued and active readers and writers, resident and virtual memory, connections, open cursors, healthy and
 * unhealthy members, arbiters and this member's replication lag. -1 while unknown (the server does not answer).
 */
final class MongoMetrics {
    private static final String PREFIX = "steward_mongodb_";
    private static final Map<String, Function<Document, Object>> SERVER_STATUS = new LinkedHashMap<>();

    static {
        SERVER_STATUS.put("queued_readers", s -> path(s, "globalLock", "currentQueue", "readers"));
        SERVER_STATUS.put("queued_writers", s -> path(s, "globalLock", "currentQueue", "writers"));
        SERVER_STATUS.put("active_readers", s -> path(s, "globalLock", "activeClients", "readers"));
        SERVER_STATUS.put("active_writers", s -> path(s, "globalLock", "activeClients", "writers"));
        SERVER_STATUS.put("resident_memory_mb", s -> path(s, "mem", "resident"));
        SERVER_STATUS.put("virtual_memory_mb", s -> path(s, "mem", "virtual"));
        SERVER_STATUS.put("connections", s -> path(s, "connections", "current"));
        SERVER_STATUS.put("open_cursors", s -> path(s, "metrics", "cursor", "open", "total"));
    }

    private final Map<String, AtomicLong> values = new LinkedHashMap<>();

    MongoMetrics(MetricRegistry registry) {
        for (String name : SERVER_STATUS.keySet()) {
            register(registry, name);
        }
        for (String name :
                new String[] {"healthy_members", "unhealthy_members", "arbiters", "replication_lag_seconds"}) {
            register(registry, name);
        }
    }

    private void register(MetricRegistry registry, String name) {
        AtomicLong value = new AtomicLong(-1);
        values.put(name, value);
        registry.gauge(PREFIX + name, () -> (Gauge<Long>) value::get);
    }

    void record(Document serverStatus, ReplicaSetStatus set) {
        SERVER_STATUS.forEach((name, read) ->
                values.get(name).set(read.apply(serverStatus) instanceof Number n ? n.longValue() : -1));
        values.get("healthy_members").set(set.healthyMembers());
        values.get("unhealthy_members").set(set.unhealthyMembers());
        values.get("arbiters").set(set.arbiters());
        values.get("replication_lag_seconds")
                .set(
                        set.myState() == ReplicaSetStatus.PRIMARY
                                ? 0
                                : set.lagSeconds().orElse(-1L));
    }

    void clear() {
        values.values().forEach(value -> value.set(-1));
    }

    private static Object path(Document document, String... keys) {
        Object current = document;
        for (String key : keys) {
            if (!(current instanceof Document d)) {
                return null;
            }
            current = d.get(key);
        }
        return current;
    }
}
