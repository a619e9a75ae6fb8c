package io.steward.redis;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reply of Redis's {@code INFO} (any sections), read as its {@code field:value} lines. Section headers and blank
 * lines are skipped: field names are unique across sections. A field missing from the reply (a section not asked for,
 * or one Redis prints only in some states, such as the AOF sizes when AOF is off) reads as empty.
 */
final class RedisInfo {
    /** Redis numbers databases from 0 to {@code databases - 1}; nine digits always fit an int. */
    private static final Pattern DATABASE = Pattern.compile("db(\\d{1,9})");

    /** One line of the Keyspace section: {@code db0:keys=15,expires=4,avg_ttl=0}. */
    record Keyspace(long keys, long expires) {}

    private final Map<String, String> fields;

    private RedisInfo(Map<String, String> fields) {
        this.fields = fields;
    }

    static RedisInfo parse(String reply) {
        Map<String, String> fields = new HashMap<>();
        for (String line : reply.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return new RedisInfo(Collections.unmodifiableMap(fields));
    }

    Optional<String> text(String field) {
        return Optional.ofNullable(fields.get(field));
    }

    OptionalLong integer(String field) {
        return integerValue(fields.get(field));
    }

    OptionalDouble decimal(String field) {
        String value = fields.get(field);
        if (value == null) {
            return OptionalDouble.empty();
        }
        try {
            return OptionalDouble.of(Double.parseDouble(value));
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }

    /** A field whose value is a list of {@code key=value} pairs, e.g. {@code slave0:ip=...,port=...,state=online}. */
    Optional<Map<String, String>> subfields(String field) {
        return text(field).map(RedisInfo::pairs);
    }

    /** The databases that hold keys, by number; Redis leaves empty ones out of INFO keyspace. */
    SortedMap<Integer, Keyspace> keyspace() {
        SortedMap<Integer, Keyspace> databases = new TreeMap<>();
        fields.forEach((field, value) -> {
            Matcher database = DATABASE.matcher(field);
            if (database.matches()) {
                Map<String, String> counts = pairs(value);
                databases.put(
                        Integer.parseInt(database.group(1)),
                        new Keyspace(
                                integerValue(counts.get("keys")).orElse(0),
                                integerValue(counts.get("expires")).orElse(0)));
            }
        });
        return databases;
    }

    private static Map<String, String> pairs(String value) {
        Map<String, String> result = new HashMap<>();
        for (String pair : value.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                result.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return result;
    }

    /** A whole number as INFO prints it (also inside subfields); empty when absent or not one. */
    static OptionalLong integerValue(String text) {
        if (text == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(text.trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
