package io.steward.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;

/**
 * A {@code --scheduled} time: ISO-8601 with an offset ({@code 2026-05-04T10:30:00Z}), a local date and time
 * ({@code 2026-05-04T10:30}), or {@code HH:MM} today, both in this machine's time zone. It must be ahead.
 */
final class ScheduledTime {
    private ScheduledTime() {}

    /** @throws IllegalArgumentException saying what is accepted, or that the time is past */
    static Instant parse(String text, Clock clock) {
        String given = text.strip();
        Instant at = parsed(given, clock);
        if (!at.isAfter(clock.instant())) {
            throw new IllegalArgumentException(
                    "--scheduled " + given + " is " + at + ", in the past; leave it out to " + "act now");
        }
        return at;
    }

    private static Instant parsed(String given, Clock clock) {
        try {
            return OffsetDateTime.parse(given).toInstant();
        } catch (DateTimeParseException notWithOffset) {
            // try the local forms
        }
        try {
            return LocalDateTime.parse(given).atZone(clock.getZone()).toInstant();
        } catch (DateTimeParseException notLocal) {
            // try the time of day
        }
        try {
            LocalTime time = LocalTime.parse(given);
            return ZonedDateTime.now(clock).with(time).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--scheduled must be an ISO-8601 time (2026-05-04T10:30:00Z, "
                    + "2026-05-04T10:30 in this machine's time zone) or HH:MM today, was '" + given + "'");
        }
    }
}
