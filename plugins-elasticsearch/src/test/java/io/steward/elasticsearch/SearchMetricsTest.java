package io.steward.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;

/** The gauges exist from the start and read -1 until the node has answered. */
class SearchMetricsTest {

    @Test
    void everyGaugeIsRegisteredAndUnknownUntilTheFirstProbe() {
        MetricRegistry registry = new MetricRegistry();
        new SearchMetrics(registry);

        assertThat(registry.getGauges().keySet())
                .containsExactlyInAnyOrder(
                        "steward_elasticsearch_cluster_status", "steward_elasticsearch_cluster_nodes",
                        "steward_elasticsearch_unassigned_shards", "steward_elasticsearch_heap_used_bytes",
                        "steward_elasticsearch_heap_max_bytes", "steward_elasticsearch_docs",
                        "steward_elasticsearch_indexing_per_second", "steward_elasticsearch_search_queries_per_second");
        assertThat(registry.getGauges().values())
                .allSatisfy(gauge -> assertThat(gauge.getValue()).isEqualTo(-1.0));
    }

    @Test
    void healthColoursBecomeNumbersToAlertOn() {
        assertThat(SearchMetrics.statusCode("green")).isZero();
        assertThat(SearchMetrics.statusCode("yellow")).isEqualTo(1);
        assertThat(SearchMetrics.statusCode("red")).isEqualTo(2);
        assertThat(SearchMetrics.statusCode("unknown")).isEqualTo(-1);
    }
}
