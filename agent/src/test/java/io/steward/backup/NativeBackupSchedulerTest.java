package io.steward.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.NativeBackup.Record;
import io.steward.engine.NativeBackup.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Elasticsearch's retention rules kept by the core, and the names of backups. */
class NativeBackupSchedulerTest {
    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    private static Record scheduled(int hoursAgo) {
        return new Record("scheduled-" + hoursAgo, "SUCCESS", NOW.minus(Duration.ofHours(hoursAgo)), List.of("books"));
    }

    private static List<String> expiredNames(List<Record> backups, Schedule schedule) {
        return NativeBackupScheduler.expired(backups, NOW, schedule).stream()
                .map(Record::name)
                .toList();
    }

    @Test
    void beyondMaxCountTheOldestGoWhateverTheirAge() {
        List<Record> backups = List.of(scheduled(5), scheduled(1), scheduled(4), scheduled(2), scheduled(3));

        assertThat(expiredNames(backups, new Schedule(Duration.ofHours(1), Optional.empty(), 1, 3)))
                .containsExactlyInAnyOrder("scheduled-4", "scheduled-5");
    }

    @Test
    void olderThanExpireAfterGoButTheNewestMinCountAlwaysStay() {
        List<Record> backups = List.of(scheduled(50), scheduled(40), scheduled(30), scheduled(1));

        assertThat(expiredNames(backups, new Schedule(Duration.ofHours(1), Optional.of(Duration.ofHours(24)), 2, 100)))
                .containsExactlyInAnyOrder("scheduled-40", "scheduled-50");
        assertThat(expiredNames(
                        List.of(scheduled(50), scheduled(40)),
                        new Schedule(Duration.ofHours(1), Optional.of(Duration.ofHours(24)), 2, 100)))
                .isEmpty();
    }

    @Test
    void failedAndOnDemandBackupsAreNeitherCountedNorExpired() {
        Record failed = new Record("scheduled-f", "FAILED", NOW.minus(Duration.ofHours(9)), List.of());
        Record manual = new Record("manual-x", "SUCCESS", NOW.minus(Duration.ofDays(90)), List.of("books"));

        assertThat(expiredNames(
                        List.of(failed, manual, scheduled(2), scheduled(1)),
                        new Schedule(Duration.ofHours(1), Optional.of(Duration.ofHours(1)), 1, 1)))
                .containsExactly("scheduled-2");
    }

    @Test
    void onDemandNamesAreLowerCaseAndDistinctPerMillisecond() {
        assertThat(NativeBackupScheduler.manualName(Instant.parse("2026-12-02T03:04:05.678Z")))
                .isEqualTo("manual-20261202-030405-678");
    }
}
