package io.steward.backup;

import io.steward.config.RetentionClass;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * When a scheduled snapshot set (or dump) is due and which sets the purge may delete: pure decisions over the
 * catalog, so that they can be tested without AWS.
 */
public final class SnapshotPolicy {
    private static final List<RetentionClass> LONGEST_FIRST =
            List.of(RetentionClass.MONTHLY, RetentionClass.WEEKLY, RetentionClass.DAILY, RetentionClass.HOURLY);

    private SnapshotPolicy() {}

    /**
     * The class of the set due now, if any: the longest class whose current period (UTC) has no set yet that was
     * taken (pending or completed) with that class or a longer one. The first set of a month is the monthly one,
     * and it also counts as that week's, day's and hour's.
     *
     * @param shortest the shortest class the schedule takes ({@code DAILY}: no hourly sets)
     */
    public static Optional<RetentionClass> due(Instant now, List<SnapshotSet> sets, RetentionClass shortest) {
        return dueAmong(now, taken(sets), shortest);
    }

    /** The sets that count for the schedule: pending or completed ones, not failed ones. */
    public static List<Taken> taken(List<SnapshotSet> sets) {
        return sets.stream()
                .filter(set ->
                        set.status() == SnapshotSet.Status.PENDING || set.status() == SnapshotSet.Status.COMPLETED)
                .map(set -> new Taken(set.createdAt(), set.retention()))
                .toList();
    }

    /** A backup that counts for the schedule: when it was taken, and its class. */
    public record Taken(Instant at, RetentionClass retention) {}

    /** {@link #due} over backups of any kind (snapshot sets, dumps) that were taken. */
    public static Optional<RetentionClass> dueAmong(Instant now, List<Taken> taken, RetentionClass shortest) {
        for (RetentionClass candidate : LONGEST_FIRST) {
            if (candidate.ordinal() < shortest.ordinal()) {
                continue;
            }
            boolean covered = taken.stream()
                    .anyMatch(backup -> backup.retention().ordinal() >= candidate.ordinal()
                            && candidate.samePeriod(backup.at(), now));
            if (!covered) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * The sets the purge deletes: those whose expiry has passed, except the newest restorable set, which is kept
     * whatever its age so that the cluster is never left without a base backup.
     */
    public static List<SnapshotSet> expired(Instant now, List<SnapshotSet> sets) {
        Optional<String> newestRestorable = sets.stream()
                .filter(SnapshotSet::restorable)
                .max(Comparator.comparing(SnapshotSet::createdAt))
                .map(SnapshotSet::id);
        return sets.stream()
                .filter(set -> !set.expiresAt().isAfter(now))
                .filter(set -> newestRestorable.map(id -> !id.equals(set.id())).orElse(true))
                .toList();
    }

    /**
     * The oldest restorable set among those kept: no restore starts before it, so what the engine archives beside the
     * sets and only older sets needed can go. Empty when none of them can be restored.
     */
    public static Optional<SnapshotSet> oldestRestorable(List<SnapshotSet> kept) {
        return kept.stream().filter(SnapshotSet::restorable).min(Comparator.comparing(SnapshotSet::createdAt));
    }

    /**
     * The set a restore starts from: the one named, or else the newest restorable set that was consistent before
     * {@code targetTime} (the newest of all without a target).
     *
     * @throws SnapshotException naming what is missing: an unknown or unrestorable id, no set before the target
     */
    public static SnapshotSet choose(List<SnapshotSet> sets, Optional<String> id, Optional<Instant> targetTime) {
        if (id.isPresent()) {
            SnapshotSet named = sets.stream()
                    .filter(set -> set.id().equals(id.get()))
                    .findFirst()
                    .orElseThrow(() -> new SnapshotException("no snapshot set " + id.get() + " in the catalog"));
            if (!named.restorable()) {
                throw new SnapshotException("snapshot set " + id.get() + " is "
                        + named.status().name().toLowerCase(Locale.ROOT)
                        + named.failure().map(why -> " (" + why + ")").orElse("") + ", not restorable");
            }
            if (targetTime.isPresent() && !consistentBefore(named, targetTime.get())) {
                throw new SnapshotException("snapshot set " + id.get() + " became consistent at "
                        + named.consistentAt().map(Instant::toString).orElse("an unknown time") + ", after the target "
                        + targetTime.get() + "; choose an older set");
            }
            return named;
        }
        List<SnapshotSet> restorable =
                sets.stream().filter(SnapshotSet::restorable).toList();
        if (restorable.isEmpty()) {
            throw new SnapshotException("the catalog has no completed snapshot set to restore from");
        }
        return restorable.stream()
                .filter(set ->
                        targetTime.map(time -> consistentBefore(set, time)).orElse(true))
                .max(Comparator.comparing(SnapshotSet::createdAt))
                .orElseThrow(() ->
                        new SnapshotException("no completed snapshot set was consistent before " + targetTime.get()
                                + "; the oldest kept one became consistent at "
                                + restorable
                                        .get(0)
                                        .consistentAt()
                                        .map(Instant::toString)
                                        .orElse("an unknown time") + " (older ones have expired)"));
    }

    private static boolean consistentBefore(SnapshotSet set, Instant time) {
        return set.consistentAt().map(at -> at.isBefore(time)).orElse(false);
    }
}
