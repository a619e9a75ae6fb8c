package io.steward.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A typed, validating view over one section of the merged configuration tree.
 *
 * <p>Every reader records a {@link ConfigProblem} instead of throwing and returns the default, so that one pass
 * over the whole configuration finds every problem. Keys that no reader asked for are reported by
 * {@link #rejectUnknownKeys()}: a misspelt key is an error, never silently ignored.
 */
public final class Settings {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)?");

    private final String path;
    private final JsonNode node;
    private final ConfigProblems problems;
    private final Set<String> read = new LinkedHashSet<>();

    public Settings(String path, JsonNode node, ConfigProblems problems) {
        this.path = path;
        this.node = node == null ? MissingNode.getInstance() : node;
        this.problems = problems;
        if (!this.node.isMissingNode() && !this.node.isNull() && !this.node.isObject()) {
            problems.add(displayPath(), this.node.toString(), "expected a mapping of keys to values");
        }
    }

    public ConfigProblems problems() {
        return problems;
    }

    public boolean has(String key) {
        JsonNode value = node.path(key);
        return !value.isMissingNode() && !value.isNull();
    }

    public String string(String key, String defaultValue) {
        return optionalString(key).orElse(defaultValue);
    }

    public String requiredString(String key, String allowed) {
        Optional<String> value = optionalString(key);
        if (value.isEmpty()) {
            JsonNode raw = node.path(key);
            if (!has(key)) {
                problems.add(keyPath(key), null, allowed);
            } else if (raw.isValueNode()) {
                // blank text; a non-scalar was already reported by optionalString
                problems.add(keyPath(key), raw.asText(), allowed);
            }
            return "";
        }
        return value.get();
    }

    public Optional<String> optionalString(String key) {
        JsonNode value = get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isValueNode()) {
            problems.add(keyPath(key), value.toString(), "expected a text value");
            return Optional.empty();
        }
        String text = value.asText().trim();
        return text.isEmpty() ? Optional.empty() : Optional.of(text);
    }

    /**
     * A secret given inline as {@code key}, or read at start from the file {@code key_file} names, which must be
     * protected as {@link ProtectedFiles} says (a regular file of the agent's user that no other user can read);
     * not both. Empty when neither is given, or when a problem was recorded.
     */
    public Optional<String> secret(String key) {
        String fileKey = key + "_file";
        if (has(key) && has(fileKey)) {
            problems.add(
                    keyPath(fileKey),
                    optionalString(fileKey).orElse(""),
                    "absent when " + key + " is set: one or the other");
            return optionalString(key);
        }
        return has(fileKey) ? ProtectedFiles.secret(this, fileKey) : optionalString(key);
    }

    /** As {@link #secret}, but one of the two must be given; {@code allowed} says what the secret is. */
    public String requiredSecret(String key, String allowed) {
        if (has(key + "_file")) {
            return secret(key).orElse("");
        }
        return requiredString(
                key, allowed + "; or " + key + "_file: a file holding it, readable by the agent's user alone");
    }

    public int integer(String key, int defaultValue, int min, int max) {
        JsonNode value = get(key);
        if (value == null) {
            return defaultValue;
        }
        String allowed = "a whole number from " + min + " to " + max;
        Long parsed = parseLong(value);
        if (parsed == null || parsed < min || parsed > max) {
            problems.add(keyPath(key), value.asText(), allowed);
            return defaultValue;
        }
        return parsed.intValue();
    }

    public boolean bool(String key, boolean defaultValue) {
        JsonNode value = get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        switch (value.asText().trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1":
                return true;
            case "false", "no", "off", "0":
                return false;
            default:
                problems.add(keyPath(key), value.asText(), "true or false");
                return defaultValue;
        }
    }

    /** Durations are written {@code 500ms}, {@code 2s}, {@code 1.5s}, {@code 5m}, {@code 1h}, {@code 7d}; a bare number is seconds. */
    public Duration duration(String key, Duration defaultValue, Duration min, Duration max) {
        JsonNode value = get(key);
        if (value == null) {
            return defaultValue;
        }
        String allowed = "a duration from " + format(min) + " to " + format(max) + " (e.g. 500ms, 2s, 5m)";
        Duration parsed = parseDuration(value.asText());
        if (parsed == null || parsed.compareTo(min) < 0 || parsed.compareTo(max) > 0) {
            problems.add(keyPath(key), value.asText(), allowed);
            return defaultValue;
        }
        return parsed;
    }

    /** Sizes are written {@code 1048576}, {@code 512kB}, {@code 1MB} or {@code 16MiB} (both kinds of unit mean powers of 1024). */
    public long size(String key, long defaultValue, long min, long max) {
        JsonNode value = get(key);
        if (value == null) {
            return defaultValue;
        }
        String allowed = "a size from " + min + " to " + max + " bytes (e.g. 1048576, 512kB, 16MB)";
        Long parsed = parseSize(value.asText());
        if (parsed == null || parsed < min || parsed > max) {
            problems.add(keyPath(key), value.asText(), allowed);
            return defaultValue;
        }
        return parsed;
    }

    public <E extends Enum<E>> E choice(String key, Class<E> type, E defaultValue) {
        JsonNode value = get(key);
        if (value == null) {
            return defaultValue;
        }
        String text = value.asText().trim();
        if (value.isBoolean()) {
            // YAML 1.1 reads an unquoted on/off (and yes/no) as a boolean; for an on/off choice that is what was meant
            text = value.booleanValue() ? "on" : "off";
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(text.replace('-', '_'))) {
                return constant;
            }
        }
        List<String> names = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            names.add(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        problems.add(keyPath(key), text, "one of " + String.join(", ", names));
        return defaultValue;
    }

    public Path path(String key, Path defaultValue) {
        return optionalString(key).map(Path::of).orElse(defaultValue);
    }

    /** A mapping of names to scalar values, e.g. server parameters passed through to the database. */
    public Map<String, String> stringMap(String key) {
        Map<String, String> result = new LinkedHashMap<>();
        scalarMap(key).forEach((name, value) -> result.put(name, value.asText()));
        return result;
    }

    /**
     * A mapping of names to scalars, in the order given, each as parsed: a YAML boolean ({@code true}, or YAML 1.1's
     * {@code on}, {@code yes}...) stays a boolean node, to be told apart from the text {@code 'true'}.
     */
    public Map<String, JsonNode> scalarMap(String key) {
        JsonNode value = get(key);
        Map<String, JsonNode> result = new LinkedHashMap<>();
        if (value == null) {
            return result;
        }
        if (!value.isObject()) {
            problems.add(keyPath(key), value.toString(), "expected a mapping of names to values");
            return result;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().isValueNode()) {
                problems.add(
                        keyPath(key) + "." + entry.getKey(), entry.getValue().toString(), "expected a text or number");
            } else {
                result.put(entry.getKey(), entry.getValue());
            }
        }
        return result;
    }

    public Settings section(String key) {
        JsonNode value = get(key);
        return new Settings(keyPath(key), value == null ? MissingNode.getInstance() : value, problems);
    }

    /** A list whose items are sections of their own. */
    public List<Settings> sections(String key) {
        JsonNode value = get(key);
        List<Settings> result = new ArrayList<>();
        if (value == null) {
            return result;
        }
        if (!value.isArray()) {
            problems.add(keyPath(key), value.toString(), "expected a list");
            return result;
        }
        for (int i = 0; i < value.size(); i++) {
            result.add(new Settings(keyPath(key) + "[" + i + "]", value.get(i), problems));
        }
        return result;
    }

    /** Reports every key of this section that no reader asked for. Call after reading the section. */
    public void rejectUnknownKeys() {
        if (!node.isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!read.contains(key)) {
                problems.add(
                        keyPath(key),
                        node.get(key).isValueNode()
                                ? node.get(key).asText()
                                : node.get(key).toString(),
                        "unknown key; known keys here: " + (read.isEmpty() ? "none" : String.join(", ", read)));
            }
        }
    }

    /** Marks a key as known without reading it (it is read elsewhere, e.g. by an engine plugin). */
    public void acknowledge(String key) {
        read.add(key);
    }

    public String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private String displayPath() {
        return path.isEmpty() ? "(top level)" : path;
    }

    private JsonNode get(String key) {
        read.add(key);
        JsonNode value = node.path(key);
        return value.isMissingNode() || value.isNull() ? null : value;
    }

    private static Long parseLong(JsonNode value) {
        if (value.isIntegralNumber()) {
            return value.longValue();
        }
        if (!value.isTextual()) {
            return null;
        }
        try {
            return Long.parseLong(value.asText().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return null;
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> amount;
            case "s" -> amount * 1_000;
            case "m" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            default -> amount * 86_400_000;
        };
        return Duration.ofMillis(Math.round(millis));
    }

    /** Parses a size as {@link #size} accepts it; null when the text is not one. */
    public static Long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return null;
        }
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return null;
        }
        String unit = m.group(2) == null ? "b" : m.group(2);
        int shift = switch (unit) {
            case "b" -> 0;
            case "kb", "kib" -> 10;
            case "mb", "mib" -> 20;
            case "gb", "gib" -> 30;
            default -> 40;
        };
        if (Long.numberOfLeadingZeros(amount) <= shift) {
            return null;
        }
        return amount << shift;
    }

    public static String format(Duration duration) {
        long ms = duration.toMillis();
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1_000 == 0) {
            return ms / 1_000 + "s";
        }
        return ms + "ms";
    }
}
