package io.steward.engine;

import java.util.function.Supplier;

/**
 * An engine as its plugin read it from the configuration: what it can do, and how to build it. Nothing is built,
 * opened or touched until {@link #create()}.
 *
 * @param capabilities what the engine can do, for checking the configuration and setting up the HA rules
 * @param factory builds the engine (opens its clients); it must not touch the server
 */
public record ConfiguredEngine(EngineCapabilities capabilities, Supplier<? extends Engine> factory) {

    /**
     * Builds the engine, once for a running agent; the server is not touched.
     *
     * @throws IllegalStateException when the built engine does not have the declared capabilities (a plugin bug);
     *         it is closed again
     */
    public Engine create() {
        Engine engine = factory.get();
        try {
            capabilities.requireImplementedBy(engine);
        } catch (IllegalStateException e) {
            engine.close();
            throw e;
        }
        return engine;
    }
}
