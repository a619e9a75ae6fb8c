package io.steward.config;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.EnumMap;
import java.util.Map;

/**
 * How long a snapshot set is kept, after the book's pgRDS: hourly sets 7 days, daily 14, weekly 61, monthly 365.
 * Each class also names the calendar period (UTC) in which one scheduled set of it is taken.
 */
public enum RetentionClass {
    HOURLY(Duration.ofDays(7)),
    DAILY(Duration.ofDays(14)),
    WEEKLY(Duration.ofDays(61)),
    MONTHLY(Duration.ofDays(365));

    private final Duration defaultRetention;

    RetentionClass(Duration defaultRetention) {
        this.defaultRetention = defaultRetention;
    }

    public Duration defaultRetention() {
        return defaultRetention;
    }

    /** {@code given} with every class it leaves out at its default retention. */
    public static Map<RetentionClass, Duration> completed(Map<RetentionClass, Duration> given) {
        EnumMap<RetentionClass, Duration> complete = new EnumMap<>(RetentionClass.class);
        for (RetentionClass retentionClass : values()) {
            complete.put(retentionClass, given.getOrDefault(retentionClass, retentionClass.defaultRetention()));
        }
        return Map.copyOf(complete);
    }

    /** Whether {@code a} and {@code b} fall in the same period of this class (same hour, day, ISO week or month, UTC). */
    public boolean samePeriod(Instant a, Instant b) {
        return switch (this) {
            case HOURLY -> a.truncatedTo(ChronoUnit.HOURS).equals(b.truncatedTo(ChronoUnit.HOURS));
            case DAILY -> day(a).equals(day(b));
            case WEEKLY ->
                day(a).get(IsoFields.WEEK_BASED_YEAR) == day(b).get(IsoFields.WEEK_BASED_YEAR)
                        && day(a).get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)
                                == day(b).get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
            case MONTHLY -> day(a).withDayOfMonth(1).equals(day(b).withDayOfMonth(1));
        };
    }

    private static LocalDate day(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC);
    }
}
