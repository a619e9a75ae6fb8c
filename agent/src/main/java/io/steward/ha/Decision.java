package io.steward.ha;

/** One tick's verdict: what to do and why, in words for the log and {@code /health}. */
public record Decision(Action action, String reason) {
    @Override
    public String toString() {
        return action.getClass().getSimpleName() + ": " + reason;
    }
}
