package io.steward.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.engine.support.Pause;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves every shard off the local node before it stops, with the cluster's own allocation filter
 * ({@code cluster.routing.allocation.exclude._name}), and lifts the filter again once the node is back.
 *
 * <p>The filter is a comma-separated list shared by the whole cluster: this node's name is added to or removed from
 * what is there, never written over it, so that an operator's own exclusions (or another node draining at the same
 * time) stay.
 */
final class NodeDrain {
    static final String EXCLUDE_BY_NAME = "cluster.routing.allocation.exclude._name";
    private static final Logger log = LoggerFactory.getLogger(NodeDrain.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

    private final SearchRest rest;
    private final String nodeName;

    NodeDrain(SearchRest rest, String nodeName) {
        this.rest = rest;
        this.nodeName = nodeName;
    }

    /** Asks the cluster to move every shard off this node. */
    void exclude() {
        List<String> names = excludedNames();
        if (names.contains(nodeName)) {
            log.info("node {} is already excluded from shard allocation", nodeName);
            return;
        }
        names.add(nodeName);
        writeExcluded(names);
        log.info(
                "excluded node {} from shard allocation ({} = {}) so that its shards move away before it stops",
                nodeName,
                EXCLUDE_BY_NAME,
                String.join(",", names));
    }

    /** Lifts this node's exclusion, left by its own drain before the node last stopped; nothing when there is none. */
    void clearExclusion() {
        List<String> names = excludedNames();
        if (names.remove(nodeName)) {
            writeExcluded(names);
            log.info(
                    "node {} is back: shards may be allocated to it again ({} = {})",
                    nodeName,
                    EXCLUDE_BY_NAME,
                    names.isEmpty() ? "(none)" : String.join(",", names));
        }
    }

    /**
     * Waits until the node holds no shard, logging progress now and then. Puts the node's name back into the filter
     * when it is gone from it: two nodes draining at once each rewrite the whole list, and the later write may have
     * dropped the earlier one's name.
     *
     * @return whether it emptied within {@code timeout}
     */
    boolean awaitEmpty(Duration timeout) {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        long nextProgress = started;
        while (true) {
            if (!excludedNames().contains(nodeName)) {
                log.warn(
                        "node {} is no longer in {} (another write replaced the list); excluding it again",
                        nodeName,
                        EXCLUDE_BY_NAME);
                exclude();
            }
            int held = shardsOnNode();
            if (held == 0) {
                log.info(
                        "node {} holds no shards any more after {} ms",
                        nodeName,
                        (System.nanoTime() - started) / 1_000_000);
                return true;
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                log.warn(
                        "node {} still holds {} shards after {} s (drain_timeout); stopping it anyway",
                        nodeName,
                        held,
                        timeout.toSeconds());
                return false;
            }
            if (now >= nextProgress) {
                log.info("draining node {}: {} shards still on it", nodeName, held);
                nextProgress = now + PROGRESS_EVERY.toNanos();
            }
            sleep(POLL);
        }
    }

    int shardsOnNode() {
        JsonNode shards = rest.get("/_cat/shards?format=json&h=index,shard,prirep,state,node");
        int held = 0;
        for (JsonNode shard : shards) {
            // a relocating shard is listed as "from -> to": it is still on this node until it has arrived
            String node = shard.path("node").asText("");
            if (Arrays.stream(node.split("\\s*->\\s*|\\s+")).anyMatch(nodeName::equals)) {
                held++;
            }
        }
        return held;
    }

    private List<String> excludedNames() {
        JsonNode settings = rest.get("/_cluster/settings?flat_settings=true");
        String value = Optional.ofNullable(settings.path("persistent").get(EXCLUDE_BY_NAME))
                .map(JsonNode::asText)
                .orElse("");
        List<String> names = new ArrayList<>();
        for (String name : value.split(",")) {
            if (!name.isBlank()) {
                names.add(name.strip());
            }
        }
        return names;
    }

    private void writeExcluded(List<String> names) {
        // null removes the setting, rather than leaving an empty filter behind
        Map<String, Object> persistent = new LinkedHashMap<>();
        persistent.put(EXCLUDE_BY_NAME, names.isEmpty() ? null : String.join(",", names));
        rest.put("/_cluster/settings", Collections.singletonMap("persistent", persistent));
    }

    private static void sleep(Duration duration) {
        Pause.of(duration, e -> new io.steward.engine.EngineException("interrupted while draining", e));
    }
}
