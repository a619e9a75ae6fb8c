package io.steward.redis;

import java.util.HashMap;
import java.util.Map;

/** The {@code field:value} lines of a Redis {@code INFO} reply; section headers and blank lines are skipped. */
final class InfoFields {
    private InfoFields() {
    }

    static Map<String, String> parse(String info) {
        Map<String, String> fields = new HashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }
}
