package io.steward.settings;

/**
 * One thing wrong with the configuration.
 *
 * @param key the full dotted key, e.g. {@code ha.loop_wait}
 * @param value what was given, as text ({@code null} when the key was missing)
 * @param allowed what would have been accepted
 */
public record ConfigProblem(String key, String value, String allowed) {
    @Override
    public String toString() {
        return value == null ? key + ": missing; " + allowed : key + ": '" + value + "' is not valid; " + allowed;
    }
}
