package io.steward.engine.support;

import java.time.Duration;
import java.util.function.Function;

/**
 * A pause between two looks at something that changes on its own: a server starting or stopping, a shard moving, a
 * DNS change propagating. An interrupt ends the wait at once: the thread's interrupt flag is set again (so the caller's
 * caller sees it too) and the exception {@code onInterrupt} makes says what was being waited for.
 */
public final class Pause {
    private Pause() {}

    public static <E extends RuntimeException> void of(
            Duration duration, Function<InterruptedException, E> onInterrupt) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw onInterrupt.apply(e);
        }
    }
}
