package io.steward.progress;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * How far one long piece of work has come: what it is, how much of it is done, out of how much when that is known,
 * and how long it has taken so far.
 *
 * @param what the step, in a few words that stay the same while it runs ("replaying the archive"); a change of step
 *        is what a plain log always shows
 * @param detail where the step is now, in words that change as it runs (a replay position); may be empty
 * @param done how much is done, in {@code unit}; 0 for a step that is only a sentence
 * @param total how much there is in all, when known
 * @param unit what {@code done} and {@code total} count
 * @param elapsed since the work began
 */
public record Progress(String what, String detail, long done, OptionalLong total, Unit unit, Duration elapsed) {

    /** What {@link #done} and {@link #total} count. */
    public enum Unit {
        NONE,
        BYTES,
        SEGMENTS
    }

    public Progress {
        detail = detail == null ? "" : detail;
        total = total == null ? OptionalLong.empty() : total;
        elapsed = elapsed == null ? Duration.ZERO : elapsed;
    }

    /** A step that is only a sentence, with nothing to count. */
    public static Progress step(String what, Duration elapsed) {
        return new Progress(what, "", 0, OptionalLong.empty(), Unit.NONE, elapsed);
    }

    /** A step with a changing position and nothing to count. */
    public static Progress at(String what, String detail, Duration elapsed) {
        return new Progress(what, detail, 0, OptionalLong.empty(), Unit.NONE, elapsed);
    }

    /** Bytes done of a total, when known. */
    public static Progress bytes(String what, long done, OptionalLong total, Duration elapsed) {
        return new Progress(what, "", done, total, Unit.BYTES, elapsed);
    }

    /** The same progress, timed by another clock (the caller's, which began earlier). */
    public Progress withElapsed(Duration elapsed) {
        return new Progress(what, detail, done, total, unit, elapsed);
    }

    /** The percentage done, 0 to 100, when the total is known. */
    public OptionalInt percent() {
        if (total.isEmpty() || total.getAsLong() <= 0) {
            return OptionalInt.empty();
        }
        return OptionalInt.of((int) Math.min(100, Math.max(0, done * 100 / total.getAsLong())));
    }

    /** {@link #what}, then {@link #detail} when there is one. */
    public String sentence() {
        return detail.isEmpty() ? what : what + ": " + detail;
    }
}
