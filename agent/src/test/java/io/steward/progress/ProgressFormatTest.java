package io.steward.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProgressFormatTest {
    private static final long GIB = 1024L * 1024 * 1024;

    @Test
    void aBarFillsInProportionAndStaysItsWidth() {
        assertThat(ProgressFormat.bar(0, 10)).isEqualTo("[..........]");
        assertThat(ProgressFormat.bar(47, 10)).isEqualTo("[####......]");
        assertThat(ProgressFormat.bar(100, 10)).isEqualTo("[##########]");
        assertThat(ProgressFormat.bar(130, 10)).isEqualTo("[##########]");
        assertThat(ProgressFormat.bar(-5, 10)).isEqualTo("[..........]");
        assertThat(ProgressFormat.bar(47, ProgressFormat.BAR_WIDTH)).hasSize(ProgressFormat.BAR_WIDTH + 2);
    }

    @Test
    void bytesReadInBinaryUnits() {
        assertThat(ProgressFormat.bytes(0)).isEqualTo("0 B");
        assertThat(ProgressFormat.bytes(1023)).isEqualTo("1023 B");
        assertThat(ProgressFormat.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(ProgressFormat.bytes(GIB * 12 / 10)).isEqualTo("1.2 GiB");
        assertThat(ProgressFormat.bytes(GIB * 3000)).isEqualTo("2.9 TiB");
    }

    @Test
    void elapsedTimeShowsHoursOnlyOnceThereAreAny() {
        assertThat(ProgressFormat.elapsed(Duration.ZERO)).isEqualTo("00:00");
        assertThat(ProgressFormat.elapsed(Duration.ofMillis(12_900))).isEqualTo("00:12");
        assertThat(ProgressFormat.elapsed(Duration.ofSeconds(3599))).isEqualTo("59:59");
        assertThat(ProgressFormat.elapsed(Duration.ofSeconds(3600 + 62))).isEqualTo("1:01:02");
        assertThat(ProgressFormat.elapsed(Duration.ofSeconds(-3))).isEqualTo("00:00");
    }

    @Test
    void aTerminalLineHasTheBarThePercentageTheAmountsAndTheTime() {
        Progress copying =
                Progress.bytes("copying", GIB * 12 / 10, OptionalLong.of(GIB * 26 / 10), Duration.ofSeconds(12));

        assertThat(copying.percent()).hasValue(46);
        assertThat(ProgressFormat.terminalLine(copying))
                .isEqualTo("copying  [#########...........]   46%  1.2 GiB / 2.6 GiB  00:12");
        assertThat(ProgressFormat.plainLine(copying)).isEqualTo("[00:12] copying (1.2 GiB / 2.6 GiB, 46%)");
    }

    @Test
    void withoutATotalThereIsNoBarNorPercentage() {
        Progress copying = Progress.bytes("copying", 1536, OptionalLong.empty(), Duration.ofSeconds(3));

        assertThat(copying.percent()).isEmpty();
        assertThat(ProgressFormat.terminalLine(copying)).isEqualTo("copying  1.5 KiB  00:03");
        assertThat(ProgressFormat.plainLine(copying)).isEqualTo("[00:03] copying (1.5 KiB)");
        assertThat(Progress.bytes("copying", 5, OptionalLong.of(0), Duration.ZERO)
                        .percent())
                .as("a zero total is not known")
                .isEmpty();
    }

    @Test
    void aSentenceIsItsWordsAndTheTime() {
        Progress replaying = Progress.at("replaying the archive", "at 0/3000060", Duration.ofSeconds(65));

        assertThat(ProgressFormat.terminalLine(replaying)).isEqualTo("replaying the archive: at 0/3000060  01:05");
        assertThat(ProgressFormat.plainLine(replaying)).isEqualTo("[01:05] replaying the archive: at 0/3000060");
        assertThat(ProgressFormat.plainLine(Progress.step("mounted", Duration.ZERO)))
                .isEqualTo("[00:00] mounted");
    }

    @Test
    void segmentsAreCountedAsSuch() {
        Progress archiving =
                new Progress("archiving", "", 3, OptionalLong.of(7), Progress.Unit.SEGMENTS, Duration.ofSeconds(1));

        assertThat(ProgressFormat.plainLine(archiving)).isEqualTo("[00:01] archiving (3 / 7 segments, 42%)");
    }
}
