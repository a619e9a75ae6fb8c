package io.steward.engine;

/**
 * Entry point of a database plugin, found with {@link java.util.ServiceLoader}
 * (a {@code META-INF/services/io.steward.engine.EnginePlugin} file in the plugin's jar).
 */
public interface EnginePlugin {

    /** The name used in configuration ({@code engine: postgresql}). */
    String name();

    /**
     * Reads and validates the engine's settings, reporting problems through {@link EngineContext#settings()}, and
     * says what the configured engine can do and how to build it. Called also by {@code validate-config}, so it must
     * not build the engine, start, stop, connect to or write anything.
     */
    ConfiguredEngine configure(EngineContext context);
}
