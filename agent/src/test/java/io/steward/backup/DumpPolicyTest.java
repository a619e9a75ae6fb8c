package io.steward.backup;

import static io.steward.config.RetentionClass.DAILY;
import static io.steward.config.RetentionClass.HOURLY;
import static io.steward.config.RetentionClass.MONTHLY;
import static io.steward.config.RetentionClass.WEEKLY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.config.RetentionClass;
import io.steward.engine.DumpName;
import io.steward.engine.DumpSelector;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DumpPolicyTest {
    private static final Map<RetentionClass, Duration> BOOK = RetentionClass.completed(Map.of());

    private static DumpPolicy.Stored stored(String time) {
        DumpName name = new DumpName(Instant.parse(time), "r1", "rdb");
        return new DumpPolicy.Stored(name, "steward/c/dumps/" + name + ".zst", 100);
    }

    @Test
    void theFirstDumpOfAPeriodIsOfItsLongestClass() {
        // 2026-11-30 is a Monday; 2026-12-01 the first of a month
        List<ArchivedDump> dumps = DumpPolicy.classify(
                List.of(
                        stored("2026-11-30T10:20:00Z"),
                        stored("2026-11-30T10:00:00Z"),
                        stored("2026-11-30T11:00:00Z"),
                        stored("2026-12-01T00:05:00Z"),
                        stored("2026-12-02T09:00:00Z"),
                        stored("2026-12-02T09:30:00Z")),
                BOOK);

        assertThat(dumps)
                .extracting(ArchivedDump::retention)
                .containsExactly(MONTHLY, HOURLY, HOURLY, MONTHLY, DAILY, HOURLY);
        assertThat(dumps.get(0).takenAt()).isEqualTo(Instant.parse("2026-11-30T10:00:00Z"));
        assertThat(dumps.get(4).expiresAt()).isEqualTo(Instant.parse("2026-12-16T09:00:00Z"));
    }

    @Test
    void theWeeklyOneIsTheFirstOfAnIsoWeekThatIsNotTheFirstOfTheMonth() {
        List<ArchivedDump> dumps =
                DumpPolicy.classify(List.of(stored("2026-11-02T08:00:00Z"), stored("2026-11-09T08:00:00Z")), BOOK);

        assertThat(dumps).extracting(ArchivedDump::retention).containsExactly(MONTHLY, WEEKLY);
    }

    @Test
    void expiredDumpsArePurgedButNeverTheNewest() {
        List<ArchivedDump> dumps = DumpPolicy.classify(
                List.of(stored("2026-01-01T00:00:00Z"), stored("2026-01-01T01:00:00Z"), stored("2026-01-01T02:00:00Z")),
                BOOK);

        assertThat(DumpPolicy.expired(Instant.parse("2026-01-08T01:30:00Z"), dumps))
                .extracting(ArchivedDump::name)
                .containsExactly(dumps.get(1).name());
        assertThat(DumpPolicy.expired(Instant.parse("2028-01-01T00:00:00Z"), dumps))
                .extracting(ArchivedDump::name)
                .containsExactly(dumps.get(0).name(), dumps.get(1).name());
        assertThat(DumpPolicy.expired(Instant.parse("2028-01-01T00:00:00Z"), dumps.subList(0, 1)))
                .isEmpty();
    }

    @Test
    void aBootstrapTakesTheNewestOrExactlyTheNamedDump() {
        List<ArchivedDump> dumps =
                DumpPolicy.classify(List.of(stored("2026-01-01T00:00:00Z"), stored("2026-01-02T00:00:00Z")), BOOK);

        assertThat(DumpPolicy.choose(dumps, new DumpSelector.Latest(), "s3://b/f/"))
                .isEqualTo(dumps.get(1));
        assertThat(DumpPolicy.choose(dumps, DumpSelector.parse(dumps.get(0).name()), "s3://b/f/"))
                .isEqualTo(dumps.get(0));
        assertThatThrownBy(
                        () -> DumpPolicy.choose(dumps, DumpSelector.parse("20250101T000000.000Z-r1.rdb"), "s3://b/f/"))
                .isInstanceOf(DumpException.class)
                .hasMessage("no dump 20250101T000000.000Z-r1.rdb in s3://b/f/ (the newest: "
                        + dumps.get(1).name() + ", " + dumps.get(0).name() + ")");
        assertThatThrownBy(() -> DumpPolicy.choose(List.of(), new DumpSelector.Latest(), "s3://b/f/"))
                .hasMessage("no dump at all in s3://b/f/ to take the latest of");
    }
}
