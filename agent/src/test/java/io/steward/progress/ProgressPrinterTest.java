package io.steward.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressPrinterTest {
    private final StringWriter written = new StringWriter();

    @Test
    void plainLinesShowEachStepWithinOneAtMostALineEveryFewSecondsAndWhereItEnded() {
        ProgressPrinter printer = new ProgressPrinter(new PrintWriter(written), false);

        printer.accept(Progress.step("creating volume", seconds(0)));
        printer.accept(Progress.at("replaying", "at 0/1", seconds(1)));
        printer.accept(Progress.at("replaying", "at 0/2", seconds(3)));
        printer.accept(Progress.at("replaying", "at 0/3", seconds(6)));
        printer.accept(Progress.at("replaying", "at 0/4", seconds(8)));
        printer.accept(Progress.step("promoted", seconds(9)));
        printer.finish();

        assertThat(written.toString().lines())
                .containsExactly(
                        "[00:00] creating volume",
                        "[00:01] replaying: at 0/1",
                        "[00:06] replaying: at 0/3",
                        "[00:08] replaying: at 0/4",
                        "[00:09] promoted");
    }

    @Test
    void theLastReportOfTheLastStepIsPrintedAtTheEnd() {
        ProgressPrinter printer = new ProgressPrinter(new PrintWriter(written), false);

        printer.accept(Progress.at("replaying", "at 0/1", seconds(0)));
        printer.accept(Progress.at("replaying", "at 0/2", seconds(1)));
        printer.finish();

        assertThat(written.toString().lines())
                .containsExactly("[00:00] replaying: at 0/1", "[00:01] replaying: at 0/2");
    }

    @Test
    void aTerminalRedrawsTheLineOfAStepAndStartsANewOneForTheNext() {
        ProgressPrinter printer = new ProgressPrinter(new PrintWriter(written), true);

        printer.accept(Progress.at("replaying", "at 0/10", seconds(1)));
        printer.accept(Progress.at("replaying", "at 0/2", seconds(2)));
        printer.accept(Progress.step("promoted", seconds(3)));
        printer.finish();

        assertThat(written.toString())
                .isEqualTo("replaying: at 0/10  00:01\rreplaying: at 0/2  00:02 " + System.lineSeparator()
                        + "promoted  00:03" + System.lineSeparator());
    }

    @Test
    void finishingWithNothingShownPrintsNothing() {
        new ProgressPrinter(new PrintWriter(written), true).finish();

        assertThat(written.toString()).isEmpty();
    }

    private static Duration seconds(long seconds) {
        return Duration.ofSeconds(seconds);
    }

    @Test
    void aTickerRedrawsTheTimeOnATerminalUntilClosed() {
        ProgressPrinter printer = new ProgressPrinter(new PrintWriter(written), true);

        try (ProgressPrinter.Ticker ticker = printer.ticking("taking a dump", Duration.ofMillis(10))) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> written.toString().contains("\rtaking a dump  00:00"));
        }

        assertThat(written.toString()).startsWith("taking a dump  00:00").endsWith(System.lineSeparator());
    }

    @Test
    void aTickerSaysNothingInALog() {
        ProgressPrinter printer = new ProgressPrinter(new PrintWriter(written), false);

        printer.ticking("taking a dump", Duration.ofMillis(1)).close();

        assertThat(written.toString()).isEmpty();
    }
}
