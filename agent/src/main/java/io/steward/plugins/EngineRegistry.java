package io.steward.plugins;

import io.steward.engine.EnginePlugin;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The engine plugins on the class path. */
public final class EngineRegistry {
    private EngineRegistry() {}

    public static List<EnginePlugin> available() {
        List<EnginePlugin> plugins = new ArrayList<>();
        ServiceLoader.load(EnginePlugin.class).forEach(plugins::add);
        return plugins;
    }

    public static Optional<EnginePlugin> find(String name) {
        return available().stream().filter(p -> p.name().equalsIgnoreCase(name)).findFirst();
    }
}
