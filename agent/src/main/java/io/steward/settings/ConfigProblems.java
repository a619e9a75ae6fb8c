package io.steward.settings;

import java.util.ArrayList;
import java.util.List;

/** Collects problems while a configuration is read, so that one error can name all of them. */
public final class ConfigProblems {
    private final List<ConfigProblem> problems = new ArrayList<>();

    public void add(String key, Object value, String allowed) {
        problems.add(new ConfigProblem(key, value == null ? null : String.valueOf(value), allowed));
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    public List<ConfigProblem> list() {
        return List.copyOf(problems);
    }

    public void throwIfAny() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }
}
