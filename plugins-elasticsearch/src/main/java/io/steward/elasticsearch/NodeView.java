package io.steward.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.engine.EngineException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The local node as it sees itself and its cluster, from its own (local) cluster state: no call waits for a master,
 * so a node cut off from its cluster answers at once that it has not joined.
 *
 * @param nodeId the local node's id
 * @param nodeName its {@code node.name}
 * @param masterId the elected master's id, empty while the node has not joined a cluster
 * @param masterName the elected master's name, when known
 * @param status the cluster health colour, {@code green}, {@code yellow} or {@code red}
 * @param nodes how many nodes the cluster has
 * @param unassignedShards shards that no node holds
 */
record NodeView(
        String nodeId,
        String nodeName,
        Optional<String> masterId,
        Optional<String> masterName,
        String status,
        int nodes,
        int unassignedShards) {

    static NodeView read(SearchRest rest, String expectedName) {
        JsonNode local = rest.get("/_nodes/_local?filter_path=nodes.*.name");
        Iterator<Map.Entry<String, JsonNode>> entries = local.path("nodes").fields();
        if (!entries.hasNext()) {
            throw new EngineException("GET " + rest.base() + "/_nodes/_local: the answer names no local node");
        }
        Map.Entry<String, JsonNode> self = entries.next();
        String name = self.getValue().path("name").asText();
        if (!name.equals(expectedName)) {
            throw new EngineException("the node at " + rest.base() + " is named " + name + ", not " + expectedName
                    + " (elasticsearch.node_name)");
        }
        // OpenSearch 2 calls it the cluster manager, Elasticsearch and older OpenSearch the master; both answer this.
        JsonNode state = rest.get(
                "/_cluster/state/master_node,nodes?local=true&filter_path=master_node,cluster_manager_node,nodes.*.name");
        Optional<String> masterId = text(state, "cluster_manager_node").or(() -> text(state, "master_node"));
        Optional<String> masterName =
                masterId.map(id -> state.path("nodes").path(id).path("name").asText(id));
        JsonNode health = rest.get("/_cluster/health?local=true");
        return new NodeView(
                self.getKey(),
                name,
                masterId,
                masterName,
                health.path("status").asText("unknown"),
                health.path("number_of_nodes").asInt(),
                health.path("unassigned_shards").asInt());
    }

    /** For {@code GET /health}. */
    Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("cluster_status", status);
        details.put("cluster_nodes", nodes);
        details.put("unassigned_shards", unassignedShards);
        masterName.ifPresent(name -> details.put("elected_master", name));
        return details;
    }

    boolean joined() {
        return masterId.isPresent();
    }

    boolean isElectedMaster() {
        return masterId.filter(nodeId::equals).isPresent();
    }

    /**
     * Why the node does not serve as it should; empty when it does. A red cluster is not this node's problem: taking
     * every node out of the records for it would only turn a partial outage into a full one.
     */
    Optional<String> problem() {
        return joined()
                ? Optional.empty()
                : Optional.of("node " + nodeName + " has not joined a cluster (no elected master)");
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isBlank() ? Optional.of(value.asText()) : Optional.empty();
    }
}
