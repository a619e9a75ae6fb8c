package io.steward.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.coordination.Json;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Checks on data and cluster state shared by the scenario tests. */
final class ClusterAssertions {
    private ClusterAssertions() {}

    /** Every write the load saw acknowledged is in the table on {@code node}. */
    static void assertNoAcknowledgedWriteLost(WriteLoad load, LocalCluster.Node node) throws SQLException {
        Set<Long> present = new HashSet<>();
        try (Connection c = node.connect();
                ResultSet rs = c.createStatement().executeQuery("SELECT id FROM acked")) {
            while (rs.next()) {
                present.add(rs.getLong(1));
            }
        }
        List<Long> missing = load.acks().stream()
                .map(WriteLoad.Ack::id)
                .filter(id -> !present.contains(id))
                .collect(Collectors.toList());
        assertThat(missing)
                .as("acknowledged writes missing on %s (of %d acknowledged)", node.name(), load.count())
                .isEmpty();
    }

    static void assertNoOverlappingPrimaries(WriteLoad load) {
        assertThat(load.overlap())
                .as("nodes acknowledging writes at the same time; spans: %s", load.spans())
                .isEmpty();
    }

    static long count(LocalCluster.Node node, String table) throws SQLException {
        return Long.parseLong(node.queryOne("SELECT count(*) FROM " + table));
    }

    static JsonNode cluster(LocalCluster.Node node) throws IOException {
        return Json.mapper().readTree(node.get("/cluster").orElseThrow().body());
    }

    static long epoch(LocalCluster.Node node) throws IOException {
        return cluster(node).path("epoch").asLong();
    }

    static JsonNode history(LocalCluster.Node node) throws IOException {
        return Json.mapper().readTree(node.get("/history").orElseThrow().body());
    }
}
