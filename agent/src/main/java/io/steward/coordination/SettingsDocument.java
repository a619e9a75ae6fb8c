package io.steward.coordination;

import java.util.Map;

/** The {@code config} znode: cluster-wide HA settings, keyed as in the {@code ha:} section. */
record SettingsDocument(Map<String, String> settings) {
    SettingsDocument {
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }
}
