package io.steward.engine;

/** An engine action failed; the message says which action and why, in words an operator can act on. */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
