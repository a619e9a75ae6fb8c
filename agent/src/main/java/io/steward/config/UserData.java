package io.steward.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.steward.engine.EnginePlugin;
import io.steward.engine.UserDataKeys;
import io.steward.engine.UserDataTarget;
import io.steward.settings.ConfigProblems;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads EC2 user data in the JSON shape of "Resilience and Reliability on AWS" and turns it into configuration
 * keys, so that nodes launched the book's way keep working. The core reads the keys every engine shares; each
 * plugin reads its database's own ({@link EnginePlugin#userData()}).
 */
final class UserData {
    private static final List<String> CORE_KEYS =
            List.of("name", "cluster", "master", "clone", "timestamp", "tablespaces", "monitoring");

    private UserData() {}

    /**
     * @param source how to name the user data in problems: its file, or "EC2 user data" when read from IMDS
     * @param engine the engine the other sources configure, when they name one: some keys mean something else for
     *        some engines (the book's {@code name}), and only that engine's plugin knows
     * @param plugins the installed plugins, each reading its own keys
     */
    static ConfigLoader.Layer translate(
            String text, String source, Optional<String> engine, List<EnginePlugin> plugins, ConfigProblems problems) {
        ObjectMapper json = new ObjectMapper();
        json.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        Optional<ObjectNode> parsed = ConfigLoader.parseObject(json, text, source, "JSON", problems);
        if (parsed.isEmpty()) {
            return ConfigLoader.Layer.unreadable();
        }
        ObjectNode userData = parsed.get();
        ConfigLoader.Layer layer = ConfigLoader.Layer.empty();
        Target target = new Target(layer, source, problems);
        Set<String> knownKeys = new LinkedHashSet<>(CORE_KEYS);
        for (EnginePlugin plugin : plugins) {
            UserDataKeys keys = plugin.userData();
            knownKeys.addAll(keys.keys());
            keys.translate(userData, engine, target);
        }
        boolean replicaAndClone = userData.has("master") && userData.has("clone");
        if (replicaAndClone) {
            problems.add(
                    source + " key 'clone'",
                    userData.get("clone").asText(),
                    "either master (join as a replica) or clone (start a new cluster from backups), not both");
        }
        for (Map.Entry<String, JsonNode> field : userData.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            String origin = source + " key '" + key + "'";
            if (target.claimed.contains(key)) {
                continue;
            }
            switch (key) {
                case "name" -> layer.put("node.name", value, origin);
                case "cluster" -> layer.put("cluster", value, origin);
                // a replica of a named master must never initialise a cluster of its own
                case "master", "clone" -> {
                    if (!replicaAndClone) {
                        bootstrap(layer, key.equals("master") ? "replica" : "clone", value, origin);
                    }
                }
                case "timestamp" -> layer.put("bootstrap.target_time", value, origin);
                case "tablespaces" -> layer.put("storage.tablespaces", value, origin);
                // every engine reports to CloudWatch the same way
                case "monitoring" -> layer.put("aws.cloudwatch.monitoring", value, origin);
                default -> {
                    if (!knownKeys.contains(key)) {
                        problems.add(
                                origin,
                                value.isValueNode() ? value.asText() : value.toString(),
                                "unknown user data key; the book's keys are " + String.join(", ", knownKeys));
                    }
                }
            }
        }
        return layer;
    }

    private static void bootstrap(ConfigLoader.Layer layer, String mode, JsonNode source, String origin) {
        layer.put("bootstrap.mode", TextNode.valueOf(mode), origin);
        layer.put("bootstrap.source", source, origin);
    }

    /** What the plugins put, named by where it came from in the user data. */
    private static final class Target implements UserDataTarget {
        private final ConfigLoader.Layer layer;
        private final String source;
        private final ConfigProblems problems;
        private final Set<String> claimed = new HashSet<>();

        Target(ConfigLoader.Layer layer, String source, ConfigProblems problems) {
            this.layer = layer;
            this.source = source;
            this.problems = problems;
        }

        @Override
        public void put(String key, JsonNode value, String... from) {
            layer.put(
                    key,
                    value,
                    source
                            + (from.length == 1
                                    ? " key '" + from[0] + "'"
                                    : " keys '" + String.join("' and '", from) + "'"));
        }

        @Override
        public void problem(String key, String value, String allowed) {
            problems.add(source + " key '" + key + "'", value, allowed);
        }

        @Override
        public void claim(String key) {
            claimed.add(key);
        }
    }
}
