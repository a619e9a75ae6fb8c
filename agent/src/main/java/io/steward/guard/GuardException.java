package io.steward.guard;

/** A guard process could not be started (no fork, no shell, its log not writable): what it guards must not begin. */
public final class GuardException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GuardException(String message, Throwable cause) {
        super(message, cause);
    }
}
