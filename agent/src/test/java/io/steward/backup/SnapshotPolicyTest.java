package io.steward.backup;

import static io.steward.config.RetentionClass.DAILY;
import static io.steward.config.RetentionClass.HOURLY;
import static io.steward.config.RetentionClass.MONTHLY;
import static io.steward.config.RetentionClass.WEEKLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.backup.SnapshotSet.Status;
import io.steward.config.RetentionClass;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SnapshotPolicyTest {
    // a Sunday
    private static final Instant NOW = Instant.parse("2026-11-22T09:30:00Z");

    private static SnapshotSet set(String id, RetentionClass retention, Instant created, Status status) {
        return new SnapshotSet(
                id,
                "db",
                "db01",
                "primary",
                3,
                "eu-west-1a",
                retention,
                created,
                Optional.of(created.plusSeconds(5)),
                created.plus(retention.defaultRetention()),
                status,
                Optional.empty(),
                1,
                2,
                1,
                5,
                List.of(),
                Map.of());
    }

    private static SnapshotSet completed(String id, RetentionClass retention, String created) {
        return set(id, retention, Instant.parse(created), Status.COMPLETED);
    }

    @Nested
    class Schedule {
        @Test
        void theFirstSetEverIsMonthly() {
            assertThat(SnapshotPolicy.due(NOW, List.of(), HOURLY)).contains(MONTHLY);
        }

        @Test
        void aMonthlySetCoversItsWeekDayAndHour() {
            List<SnapshotSet> sets = List.of(completed("a", MONTHLY, "2026-11-22T09:05:00Z"));
            assertThat(SnapshotPolicy.due(NOW, sets, HOURLY)).isEmpty();
            assertThat(SnapshotPolicy.due(Instant.parse("2026-11-22T10:00:00Z"), sets, HOURLY))
                    .contains(HOURLY);
            assertThat(SnapshotPolicy.due(Instant.parse("2026-11-22T10:00:00Z"), sets, DAILY))
                    .isEmpty();
            assertThat(SnapshotPolicy.due(Instant.parse("2026-11-23T00:10:00Z"), sets, HOURLY))
                    .as("Monday starts a new ISO week")
                    .contains(WEEKLY);
            assertThat(SnapshotPolicy.due(Instant.parse("2026-12-01T00:00:00Z"), sets, HOURLY))
                    .contains(MONTHLY);
        }

        @Test
        void aNewDayInTheSameWeekIsDaily() {
            List<SnapshotSet> sets = List.of(
                    completed("m", MONTHLY, "2026-11-01T00:00:00Z"),
                    completed("w", WEEKLY, "2026-11-16T00:00:00Z"),
                    completed("d", DAILY, "2026-11-21T00:00:00Z"),
                    completed("h", HOURLY, "2026-11-21T23:00:00Z"));
            assertThat(SnapshotPolicy.due(NOW, sets, HOURLY)).contains(DAILY);
        }

        @Test
        void failedAndUnfinishedSetsDoNotCount() {
            List<SnapshotSet> sets = List.of(
                    set("f", MONTHLY, NOW.minusSeconds(60), Status.FAILED),
                    set("t", MONTHLY, NOW.minusSeconds(30), Status.TAKING));
            assertThat(SnapshotPolicy.due(NOW, sets, HOURLY)).contains(MONTHLY);
            List<SnapshotSet> pending = List.of(set("p", MONTHLY, NOW.minusSeconds(30), Status.PENDING));
            assertThat(SnapshotPolicy.due(NOW, pending, HOURLY)).isEmpty();
        }

        @Test
        void aShorterClassNeverCoversALongerOne() {
            List<SnapshotSet> sets = List.of(completed("h", HOURLY, "2026-11-22T09:00:00Z"));
            assertThat(SnapshotPolicy.due(NOW, sets, HOURLY)).contains(MONTHLY);
            assertThat(SnapshotPolicy.due(NOW, sets, MONTHLY)).contains(MONTHLY);
        }
    }

    @Nested
    class Purge {
        @Test
        void expiredSetsGoButTheNewestRestorableOneStays() {
            SnapshotSet oldHourly = completed("20261101T000000Z-db01", HOURLY, "2026-11-01T00:00:00Z");
            SnapshotSet oldDaily = completed("20261110T000000Z-db01", DAILY, "2026-11-10T00:00:00Z");
            SnapshotSet recent = completed("20261120T000000Z-db01", HOURLY, "2026-11-20T00:00:00Z");
            SnapshotSet failed =
                    set("20261102T000000Z-db01", HOURLY, Instant.parse("2026-11-02T00:00:00Z"), Status.FAILED);

            assertThat(SnapshotPolicy.expired(NOW, List.of(oldHourly, oldDaily, recent, failed)))
                    .containsExactlyInAnyOrder(oldHourly, failed);
            assertThat(SnapshotPolicy.expired(NOW, List.of(oldHourly, failed)))
                    .as("the only restorable set is kept past its expiry")
                    .containsExactly(failed);
        }

        @Test
        void theOldestRestorableSetKeptIsWhatTheEnginesArchiveMustStillServe() {
            SnapshotSet older = completed("a", DAILY, "2026-11-10T00:00:00Z");
            SnapshotSet newer = completed("b", HOURLY, "2026-11-21T00:00:00Z");
            SnapshotSet failed = set("c", HOURLY, Instant.parse("2026-11-01T00:00:00Z"), Status.FAILED);

            assertThat(SnapshotPolicy.oldestRestorable(List.of(newer, failed, older)))
                    .contains(older);
            assertThat(SnapshotPolicy.oldestRestorable(List.of(failed))).isEmpty();
            assertThat(SnapshotPolicy.oldestRestorable(List.of())).isEmpty();
        }
    }

    @Nested
    class Choice {
        private final SnapshotSet first = completed("20261110T000000Z-db01", DAILY, "2026-11-10T00:00:00Z");
        private final SnapshotSet second = completed("20261120T000000Z-db01", DAILY, "2026-11-20T00:00:00Z");
        private final SnapshotSet failed =
                set("20261121T000000Z-db01", HOURLY, Instant.parse("2026-11-21T00:00:00Z"), Status.FAILED);
        private final List<SnapshotSet> catalog = List.of(first, second, failed);

        @Test
        void withoutAnythingTheNewestRestorableSet() {
            assertThat(SnapshotPolicy.choose(catalog, Optional.empty(), Optional.empty()))
                    .isEqualTo(second);
        }

        @Test
        void withATargetTheNewestSetConsistentBeforeIt() {
            assertThat(SnapshotPolicy.choose(
                            catalog, Optional.empty(), Optional.of(Instant.parse("2026-11-15T00:00:00Z"))))
                    .isEqualTo(first);
            assertThat(SnapshotPolicy.choose(
                            catalog, Optional.empty(), Optional.of(Instant.parse("2026-11-20T00:00:01Z"))))
                    .as("consistent 5 s after it began")
                    .isEqualTo(first);
            assertThat(SnapshotPolicy.choose(
                            catalog, Optional.empty(), Optional.of(Instant.parse("2026-11-20T00:00:06Z"))))
                    .isEqualTo(second);
        }

        @Test
        void byIdTheNamedSet() {
            assertThat(SnapshotPolicy.choose(catalog, Optional.of(first.id()), Optional.empty()))
                    .isEqualTo(first);
        }

        @Test
        void whatCannotBeRestoredIsRefusedWithTheReason() {
            assertThatThrownBy(() ->
                            SnapshotPolicy.choose(catalog, Optional.of("20261101T000000Z-db01"), Optional.empty()))
                    .hasMessage("no snapshot set 20261101T000000Z-db01 in the catalog");
            assertThatThrownBy(() -> SnapshotPolicy.choose(catalog, Optional.of(failed.id()), Optional.empty()))
                    .hasMessageContaining("is failed, not restorable");
            assertThatThrownBy(() -> SnapshotPolicy.choose(
                            catalog, Optional.of(second.id()), Optional.of(Instant.parse("2026-11-15T00:00:00Z"))))
                    .hasMessageContaining("after the target 2026-11-15T00:00:00Z; choose an older set");
            assertThatThrownBy(() -> SnapshotPolicy.choose(
                            catalog, Optional.empty(), Optional.of(Instant.parse("2026-11-01T00:00:00Z"))))
                    .hasMessageContaining("no completed snapshot set was consistent before 2026-11-01T00:00:00Z")
                    .hasMessageContaining("older ones have expired");
            assertThatThrownBy(() -> SnapshotPolicy.choose(List.of(failed), Optional.empty(), Optional.empty()))
                    .hasMessage("the catalog has no completed snapshot set to restore from");
        }
    }
}
