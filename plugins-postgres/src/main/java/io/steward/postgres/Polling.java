package io.steward.postgres;

import io.steward.engine.EngineException;
import io.steward.engine.support.Pause;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting for the server: a short pause between looks, and a bounded wait for a condition. */
final class Polling {
    static final Duration INTERVAL = Duration.ofMillis(100);

    private Polling() {}

    static void sleep(Duration duration) {
        Pause.of(duration, e -> new EngineException("interrupted while waiting for PostgreSQL", e));
    }

    /** Returns once {@code condition} holds; throws, saying {@code what} waited, once {@code timeout} has passed. */
    static void waitUntil(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new EngineException(what + ": still waiting after " + timeout.toSeconds() + "s");
            }
            sleep(INTERVAL);
        }
    }
}
