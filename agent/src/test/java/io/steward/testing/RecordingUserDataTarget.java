package io.steward.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.engine.UserDataTarget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What a plugin's user-data translation put, claimed and reported, for its tests. */
public final class RecordingUserDataTarget implements UserDataTarget {
    /** Configuration key to value, as text (JSON for what is not a text). */
    public final Map<String, String> values = new LinkedHashMap<>();
    /** Configuration key to the user-data keys it came from. */
    public final Map<String, List<String>> origins = new LinkedHashMap<>();
    /** Each problem as {@code key: value: allowed}. */
    public final List<String> problems = new ArrayList<>();

    public final Set<String> claimed = new LinkedHashSet<>();

    @Override
    public void put(String key, JsonNode value, String... from) {
        values.put(key, value.isTextual() ? value.asText() : value.toString());
        origins.put(key, List.of(from));
    }

    @Override
    public void problem(String key, String value, String allowed) {
        problems.add(key + ": " + value + ": " + allowed);
    }

    @Override
    public void claim(String key) {
        claimed.add(key);
    }
}
