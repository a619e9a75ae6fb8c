package io.steward.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.steward.admin.AdminJson;
import io.steward.config.HaConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The cluster-wide HA settings as the YAML document {@code steward show-config} prints and {@code steward edit-config}
 * has the operator edit: the settings stored in ZooKeeper as {@code key: value} lines, and, as comments, what each node
 * goes by where the cluster sets nothing and where its own file says otherwise. Pure.
 */
final class HaSettingsYaml {
    private static final YAMLMapper YAML = new YAMLMapper();
    /** Written without quotes: what YAML reads back as the same text. */
    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z0-9_.+-]+");

    private HaSettingsYaml() {}

    /** The document; {@code member} is the node whose own settings the comments show. */
    static String render(AdminJson.Config config, String member) {
        StringBuilder yaml = new StringBuilder();
        yaml.append("# Cluster-wide HA settings, stored in ZooKeeper (steward edit-config changes them).\n");
        yaml.append("# A setting here overrides the ha: section of every node's configuration file;\n");
        yaml.append("# where the cluster sets nothing, each node's own value applies.\n");
        if (config.cluster().isEmpty()) {
            yaml.append("{}\n");
        }
        lines(config.cluster()).forEach(line -> yaml.append(line).append('\n'));
        List<String> unset = new ArrayList<>();
        List<String> overridden = new ArrayList<>();
        config.node().forEach((key, own) -> {
            String cluster = config.cluster().get(key);
            if (cluster == null) {
                unset.add(line(key, own));
            } else if (!Objects.equals(cluster, own)) {
                overridden.add(line(key, own));
            }
        });
        if (!unset.isEmpty()) {
            yaml.append("#\n# Not set cluster-wide: each node's own applies; on ")
                    .append(member)
                    .append(":\n");
            unset.forEach(line -> yaml.append("#   ").append(line).append('\n'));
        }
        if (!overridden.isEmpty()) {
            yaml.append("#\n# ")
                    .append(member)
                    .append("'s own ha: section says otherwise; the cluster-wide value above wins there:\n");
            overridden.forEach(line -> yaml.append("#   ").append(line).append('\n'));
        }
        return yaml.toString();
    }

    /**
     * The settings of an edited document; a key given no value ({@code key:} or {@code key: null}) is left out, as
     * removed.
     *
     * @throws IllegalArgumentException when it is not YAML, not a mapping, or a value is a list or a mapping
     */
    static Map<String, String> parse(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not YAML: " + e.getOriginalMessage(), e);
        }
        Map<String, String> settings = new TreeMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return settings;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException("the document must be a mapping of settings (key: value)");
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue;
            }
            if (!value.isValueNode()) {
                throw new IllegalArgumentException(field.getKey() + ": must be a text, number or boolean");
            }
            settings.put(field.getKey(), value.asText());
        }
        return settings;
    }

    /**
     * A unified diff of the settings, {@code before} to {@code after}, in one hunk with every line as context; empty
     * when they are the same.
     */
    static String diff(Map<String, String> before, Map<String, String> after) {
        if (before.equals(after)) {
            return "";
        }
        List<String> body = new ArrayList<>();
        int oldLines = 0;
        int newLines = 0;
        TreeSet<String> keys = new TreeSet<>(ORDER);
        keys.addAll(before.keySet());
        keys.addAll(after.keySet());
        for (String key : keys) {
            String was = before.get(key);
            String now = after.get(key);
            if (Objects.equals(was, now)) {
                body.add(" " + line(key, was));
                oldLines++;
                newLines++;
                continue;
            }
            if (was != null) {
                body.add("-" + line(key, was));
                oldLines++;
            }
            if (now != null) {
                body.add("+" + line(key, now));
                newLines++;
            }
        }
        return "--- cluster-wide settings (ZooKeeper)\n+++ after this change\n@@ -" + (oldLines == 0 ? 0 : 1) + ","
                + oldLines + " +" + (newLines == 0 ? 0 : 1) + "," + newLines + " @@\n" + String.join("\n", body)
                + "\n";
    }

    /** The {@code ha:} section's order, then any other key by name. */
    private static final Comparator<String> ORDER = Comparator.comparing(
                    (String key) -> HaConfig.KEYS.contains(key) ? HaConfig.KEYS.indexOf(key) : HaConfig.KEYS.size())
            .thenComparing(Comparator.naturalOrder());

    private static List<String> lines(Map<String, String> settings) {
        return settings.keySet().stream()
                .sorted(ORDER)
                .map(key -> line(key, settings.get(key)))
                .toList();
    }

    private static String line(String key, String value) {
        return key + ": " + (PLAIN.matcher(value).matches() ? value : "'" + value.replace("'", "''") + "'");
    }
}
