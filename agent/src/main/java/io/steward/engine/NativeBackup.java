package io.steward.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A database's own backup, for engines where a volume snapshot is not a valid backup (a search cluster's snapshot
 * API to a repository). The core runs the schedule and its retention and routes the admin API's snapshot endpoints
 * here; the engine only speaks to the database.
 *
 * <p>Every call throws {@link EngineException} naming what failed, in the database's own words, and then has changed
 * nothing.
 */
public non-sealed interface NativeBackup extends Capability {

    /** Gets the backup target ready (registers and verifies the repository); idempotent. */
    void prepare();

    /** Takes a backup under {@code name} and returns once it is complete. */
    Record take(String name);

    /** Every backup in the target, oldest first. */
    List<Record> list();

    void delete(String name);

    /** Restores the named indices (collections, ...) of a backup; they must not exist at the moment. */
    void restore(String name, List<String> indices);

    /** The schedule the engine's configuration asks for; empty: backups only on demand. */
    Optional<Schedule> schedule();

    /**
     * One backup as the database lists it.
     *
     * @param state the database's word for it ({@code SUCCESS}, {@code IN_PROGRESS}, {@code FAILED}, {@code PARTIAL})
     * @param indices what it holds
     */
    record Record(String name, String state, Instant startedAt, List<String> indices) {
        public Record {
            indices = List.copyOf(indices);
        }

        public boolean succeeded() {
            return "SUCCESS".equals(state);
        }
    }

    /**
     * Snapshot lifecycle rules in the shape search clusters know, kept by the core: a backup every {@code every}; of
     * the scheduled backups that succeeded, the newest {@code minCount} always stay, those beyond {@code maxCount} go,
     * and the others go once older than {@code expireAfter}.
     */
    record Schedule(Duration every, Optional<Duration> expireAfter, int minCount, int maxCount) {}
}
