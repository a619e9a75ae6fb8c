package io.steward.elasticsearch;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.function.ToDoubleFunction;

/**
 * The node's and its cluster's figures as gauges, from what each probe read: cluster health (status, nodes,
 * unassigned shards) and the local node's stats (heap, documents, and indexing and search rates between two probes).
 * Until the first successful probe, and while the node does not answer, the gauges read -1.
 */
final class SearchMetrics {
    static final String PREFIX = "steward_elasticsearch_";
    private static final String STATS = "/_nodes/_local/stats/jvm,indices?filter_path="
            + "nodes.*.jvm.mem.heap_used_in_bytes,nodes.*.jvm.mem.heap_max_in_bytes,nodes.*.indices.docs.count,"
            + "nodes.*.indices.indexing.index_total,nodes.*.indices.search.query_total";

    /** One reading; rates are per second since the reading before. */
    record Reading(
            int status,
            int nodes,
            int unassignedShards,
            long heapUsed,
            long heapMax,
            long docs,
            long indexTotal,
            long queryTotal,
            double indexingRate,
            double searchRate,
            long atNanos) {
        static final Reading NONE = new Reading(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0);
    }

    private volatile Reading last = Reading.NONE;

    SearchMetrics(MetricRegistry registry) {
        gauge(registry, "cluster_status", r -> r.status());
        gauge(registry, "cluster_nodes", r -> r.nodes());
        gauge(registry, "unassigned_shards", r -> r.unassignedShards());
        gauge(registry, "heap_used_bytes", r -> r.heapUsed());
        gauge(registry, "heap_max_bytes", r -> r.heapMax());
        gauge(registry, "docs", r -> r.docs());
        gauge(registry, "indexing_per_second", r -> r.indexingRate());
        gauge(registry, "search_queries_per_second", r -> r.searchRate());
    }

    /** Green 0, yellow 1, red 2: alert on a value above 0. */
    static int statusCode(String status) {
        return switch (status) {
            case "green" -> 0;
            case "yellow" -> 1;
            case "red" -> 2;
            default -> -1;
        };
    }

    /** Reads the local node's stats and records them with this probe's cluster health. */
    void record(SearchRest rest, NodeView node) {
        JsonNode stats = firstNode(rest.get(STATS));
        Reading before = last;
        long now = System.nanoTime();
        long indexTotal =
                stats.path("indices").path("indexing").path("index_total").asLong();
        long queryTotal =
                stats.path("indices").path("search").path("query_total").asLong();
        double seconds = (now - before.atNanos()) / 1e9;
        boolean comparable = before != Reading.NONE
                && seconds > 0
                && indexTotal >= before.indexTotal()
                && queryTotal >= before.queryTotal();
        last = new Reading(
                statusCode(node.status()),
                node.nodes(),
                node.unassignedShards(),
                stats.path("jvm").path("mem").path("heap_used_in_bytes").asLong(),
                stats.path("jvm").path("mem").path("heap_max_in_bytes").asLong(),
                stats.path("indices").path("docs").path("count").asLong(),
                indexTotal,
                queryTotal,
                comparable ? (indexTotal - before.indexTotal()) / seconds : 0,
                comparable ? (queryTotal - before.queryTotal()) / seconds : 0,
                now);
    }

    /** The node does not answer: nothing it reported is current. */
    void clear() {
        last = Reading.NONE;
    }

    private void gauge(MetricRegistry registry, String name, ToDoubleFunction<Reading> value) {
        registry.register(PREFIX + name, (Gauge<Double>) () -> value.applyAsDouble(last));
    }

    private static JsonNode firstNode(JsonNode answer) {
        Iterator<JsonNode> nodes = answer.path("nodes").elements();
        return nodes.hasNext() ? nodes.next() : answer.path("nodes");
    }
}
