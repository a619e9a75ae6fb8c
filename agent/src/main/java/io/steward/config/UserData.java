package io.steward.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.steward.settings.ConfigProblems;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads EC2 user data in the JSON shape of "Resilience and Reliability on AWS" and turns it into configuration
 * keys, so that nodes launched the book's way keep working.
 */
final class UserData {
    private static final List<String> REDIS_KEYS =
            List.of("persistence", "maxmemory", "maxmemory-policy", "logging", "snapshot", "rdb");
    private static final List<String> MONGODB_KEYS = List.of("size", "role", "source");
    private static final List<String> KNOWN_KEYS = List.of("name", "cluster", "master", "clone", "timestamp", "slow",
            "tablespaces", "persistence", "monitoring", "maxmemory", "maxmemory-policy", "logging", "snapshot", "rdb",
            "size", "role", "source", "zone");
    /** The engine whose user data names its cluster's DNS record instead of the node. */
    private static final String SEARCH_ENGINE = "elasticsearch";
    /** The engine whose user data names its replica set instead of the node. */
    private static final String MONGODB_ENGINE = "mongodb";
    /** PostgreSQL keeps log_min_duration_statement in a signed 32-bit integer of milliseconds. */
    private static final long MAX_SLOW_MS = Integer.MAX_VALUE;

    private UserData() {
    }

    /**
     * @param source how to name the user data in problems: its file, or "EC2 user data" when read from IMDS
     * @param engine the engine the other sources configure, when they name one: the book's {@code name} means the
     *        node for most engines, but the cluster's round-robin record for Elasticsearch and the replica set for
     *        MongoDB (whose nodes are then named by their instance id)
     */
    static ConfigLoader.Layer translate(String text, String source, Optional<String> engine, ConfigProblems problems) {
        ObjectMapper json = new ObjectMapper();
        json.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        Optional<ObjectNode> parsed = ConfigLoader.parseObject(json, text, source, "JSON", problems);
        if (parsed.isEmpty()) {
            return ConfigLoader.Layer.unreadable();
        }
        ObjectNode userData = parsed.get();
        ConfigLoader.Layer layer = ConfigLoader.Layer.empty();
        boolean searchEngine = engine.filter(SEARCH_ENGINE::equals).isPresent();
        boolean replicaAndClone = userData.has("master") && userData.has("clone");
        if (replicaAndClone) {
            problems.add(source + " key 'clone'", userData.get("clone").asText(),
                    "either master (join as a replica) or clone (start a new cluster from backups), not both");
        }
        for (Map.Entry<String, JsonNode> field : userData.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            String origin = source + " key '" + key + "'";
            switch (key) {
                case "name" -> {
                    if (engine.filter(MONGODB_ENGINE::equals).isPresent()) {
                        layer.put("mongodb.replica_set", value, origin);
                    } else if (!searchEngine) {
                        layer.put("node.name", value, origin);
                    }
                }
                case "cluster" -> layer.put("cluster", value, origin);
                // a replica of a named master must never initialise a cluster of its own
                case "master", "clone" -> {
                    if (!replicaAndClone) {
                        bootstrap(layer, key.equals("master") ? "replica" : "clone", value, origin);
                    }
                }
                case "timestamp" -> layer.put("bootstrap.target_time", value, origin);
                case "slow" -> slow(layer, value, origin, problems);
                case "tablespaces" -> layer.put("storage.tablespaces", value, origin);
                case "zone" -> {
                    if (!searchEngine) {
                        problems.add(origin, value.asText(), "absent unless engine is " + SEARCH_ENGINE
                                + " (the book's round-robin record <name>.<zone>); engine "
                                + engine.map(name -> "is " + name).orElse("is not set") + ", whose records are set in aws.route53");
                    }
                }
                default -> {
                    if (key.equals("monitoring")) {
                        // every engine reports to CloudWatch the same way
                        layer.put("aws.cloudwatch.monitoring", value, origin);
                    } else if (REDIS_KEYS.contains(key)) {
                        layer.put("redis." + key.replace('-', '_'), value, origin);
                    } else if (MONGODB_KEYS.contains(key)) {
                        layer.put("mongodb." + key, value, origin);
                    } else {
                        problems.add(origin, value.isValueNode() ? value.asText() : value.toString(),
                                "unknown user data key; the book's keys are " + String.join(", ", KNOWN_KEYS));
                    }
                }
            }
        }
        if (searchEngine) {
            roundRobinRecord(layer, userData, source, problems);
        }
        return layer;
    }

    /**
     * The book's Elasticsearch nodes each join the weighted record {@code <name>.<zone>}, {@code zone} being the hosted
     * zone's domain name; the node itself is then named by its instance id.
     */
    private static void roundRobinRecord(ConfigLoader.Layer layer, ObjectNode userData, String source,
                                         ConfigProblems problems) {
        JsonNode name = userData.path("name");
        JsonNode zone = userData.path("zone");
        if (name.isMissingNode() && zone.isMissingNode()) {
            return;
        }
        if (!name.isTextual() || !zone.isTextual()) {
            String wrong = !name.isTextual() ? "name" : "zone";
            JsonNode value = userData.path(wrong);
            problems.add(source + " key '" + wrong + "'", value.isMissingNode() ? null : value.toString(),
                    "a text: with engine " + SEARCH_ENGINE + ", name and zone together give the round-robin record "
                    + "<name>.<zone>, e.g. {\"name\": \"search\", \"zone\": \"example.net\"}");
            return;
        }
        String origin = source + " keys 'name' and 'zone'";
        layer.put("aws.route53.enabled", BooleanNode.TRUE, origin);
        layer.put("aws.route53.hosted_zone_name", zone, source + " key 'zone'");
        layer.put("aws.route53.weighted_record", TextNode.valueOf(name.asText() + "." + zone.asText()), origin);
    }

    private static void bootstrap(ConfigLoader.Layer layer, String mode, JsonNode source, String origin) {
        layer.put("bootstrap.mode", TextNode.valueOf(mode), origin);
        layer.put("bootstrap.source", source, origin);
    }

    /** The book's slow-query threshold, read as PostgreSQL's {@code log_min_duration_statement}. */
    private static void slow(ConfigLoader.Layer layer, JsonNode value, String origin, ConfigProblems problems) {
        String text = value.asText().trim();
        long millis;
        try {
            millis = value.isValueNode() ? Long.parseLong(text) : -1;
        } catch (NumberFormatException e) {
            millis = -1;
        }
        if (millis < 0 || millis > MAX_SLOW_MS) {
            problems.add(origin, value.isValueNode() ? text : value.toString(),
                    "a slow-query threshold in whole milliseconds from 0 to " + MAX_SLOW_MS + ", e.g. \"500\"");
            return;
        }
        layer.put("postgresql.parameters.log_min_duration_statement", TextNode.valueOf(Long.toString(millis)), origin);
    }
}
