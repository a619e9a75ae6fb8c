package io.steward.backup;

import io.steward.config.RetentionClass;
import io.steward.engine.DumpName;
import io.steward.engine.DumpSelector;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Which class each dump belongs to, which ones the purge deletes, and which one a bootstrap restores: pure decisions
 * over the archive's listing, so that they can be tested without S3.
 *
 * <p>A dump's class is not stored anywhere: it follows from the names alone, by the schedule's own rule (the first
 * dump of a month is the monthly one, the first of a week the weekly one, ...). A dump taken on demand counts like a
 * scheduled one. Since the first dump of a period is always kept at least as long as the later ones of that period
 * (with the default retentions), purging never changes the class of a dump that is kept.
 */
public final class DumpPolicy {

    /** One object of the archive's dump folder. */
    public record Stored(DumpName name, String key, long storedSize) {}

    private DumpPolicy() {}

    /** The dumps with their classes and expiries, oldest first. */
    public static List<ArchivedDump> classify(List<Stored> stored, Map<RetentionClass, Duration> retention) {
        List<Stored> oldestFirst = stored.stream()
                .sorted(Comparator.comparing(dump -> dump.name().takenAt()))
                .toList();
        List<SnapshotPolicy.Taken> earlier = new ArrayList<>();
        List<ArchivedDump> classified = new ArrayList<>();
        for (Stored dump : oldestFirst) {
            RetentionClass retentionClass = SnapshotPolicy.dueAmong(
                            dump.name().takenAt(), earlier, RetentionClass.HOURLY)
                    .orElse(RetentionClass.HOURLY);
            earlier.add(new SnapshotPolicy.Taken(dump.name().takenAt(), retentionClass));
            classified.add(new ArchivedDump(
                    dump.name().toString(),
                    dump.name().member(),
                    dump.name().takenAt(),
                    retentionClass,
                    dump.name().takenAt().plus(retention.get(retentionClass)),
                    dump.key(),
                    dump.storedSize()));
        }
        return List.copyOf(classified);
    }

    /** The dumps the purge deletes: those whose expiry has passed, except the newest, which is always kept. */
    public static List<ArchivedDump> expired(Instant now, List<ArchivedDump> dumps) {
        ArchivedDump newest =
                dumps.stream().max(Comparator.comparing(ArchivedDump::takenAt)).orElse(null);
        return dumps.stream()
                .filter(dump -> dump != newest && !dump.expiresAt().isAfter(now))
                .toList();
    }

    /**
     * The dump {@code selector} names among {@code dumps}.
     *
     * @param where the archive's folder, for the message
     * @throws DumpException when there is no such dump (none at all for {@code latest})
     */
    public static ArchivedDump choose(List<ArchivedDump> dumps, DumpSelector selector, String where) {
        if (selector instanceof DumpSelector.Named named) {
            String wanted = named.name().toString();
            return dumps.stream()
                    .filter(dump -> dump.name().equals(wanted))
                    .findFirst()
                    .orElseThrow(() ->
                            new DumpException("no dump " + wanted + " in " + where + " (" + newestNames(dumps) + ")"));
        }
        return dumps.stream()
                .max(Comparator.comparing(ArchivedDump::takenAt))
                .orElseThrow(() -> new DumpException("no dump at all in " + where + " to take the latest of"));
    }

    private static String newestNames(List<ArchivedDump> dumps) {
        if (dumps.isEmpty()) {
            return "it holds none";
        }
        List<String> names = dumps.stream()
                .sorted(Comparator.comparing(ArchivedDump::takenAt).reversed())
                .map(ArchivedDump::name)
                .limit(3)
                .toList();
        return "the newest: " + String.join(", ", names);
    }
}
