package io.steward.engine;

/**
 * The local server's history diverged from the primary's and could not be rewound: only a fresh clone
 * ({@link Engine#reinitializeFrom}) brings it back.
 */
public class RewindFailedException extends EngineException {
    public RewindFailedException(String message) {
        super(message);
    }

    public RewindFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
