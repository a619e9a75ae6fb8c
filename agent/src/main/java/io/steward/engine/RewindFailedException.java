package io.steward.engine;

/**
 * The local server's history diverged from the primary's and could not be rewound. What may follow is the engine's
 * call ({@link #next()}): only a fresh clone ({@link LeaseElected#reinitializeFrom}) brings such a server back, but cloning
 * again moves the data directory aside, which an operator may want to decide on.
 */
public class RewindFailedException extends EngineException {
    private static final long serialVersionUID = 1L;

    /** What the core does after a failed rewind. */
    public enum Next {
        /** The cause may pass (the primary unreachable for a moment): try the rewind again later. */
        RETRY,
        /** Clone the data directory again now: allowed by the configuration, and there is room for it. */
        REINITIALIZE,
        /** Leave the server stopped until an operator asks for a new clone; the message says why. */
        WAIT_FOR_OPERATOR
    }

    private final Next next;

    public RewindFailedException(String message, Next next) {
        super(message);
        this.next = next;
    }

    public Next next() {
        return next;
    }
}
