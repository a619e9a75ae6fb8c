package io.steward.ha;

/** One tick's verdict: what to do and why, in words for the log and {@code /health}. */
public record Decision(Action action, String reason) {

    /** Whether carrying it out changes the server or the cluster (observing, leading and waiting change nothing). */
    public boolean acts() {
        return !(action instanceof Action.Observe)
                && !(action instanceof Action.Lead)
                && !(action instanceof Action.WaitForOperator);
    }

    /**
     * Whether it is worth a log line after {@code last}: a decision repeated tick after tick (following a primary that
     * is down) is said once; an action that changes state, repeated after the previous one worked (a primary that
     * crashed again), is a new event.
     */
    boolean worthLogging(Decision last, boolean lastActionWorked) {
        boolean newEvent = acts() && lastActionWorked && !(action instanceof Action.Follow);
        return !toString().equals(last.toString()) || newEvent;
    }

    @Override
    public String toString() {
        return action.getClass().getSimpleName() + ": " + reason;
    }
}
