package io.steward.ha;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FailureLogTest {
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
    private static final long MINUTE = FailureLog.REPEAT.toNanos();

    @Test
    void aFailureIsReportedAndLoggedOnce() {
        FailureLog.Failed first = FailureLog.NONE.failed("CloneFrom", "no space", T0, 100);
        assertThat(first.log().failing()).contains(new FailingAction("CloneFrom", "no space", T0));
        assertThat(first.line()).contains("CloneFrom failed: no space");
        FailureLog.Failed again = first.log().failed("CloneFrom", "no space", T0.plusSeconds(5), 100 + MINUTE);
        assertThat(again.line()).as("the same failure within a minute").isEmpty();
        assertThat(again.log().failing()).contains(new FailingAction("CloneFrom", "no space", T0));
        assertThat(again.log()
                        .failed("CloneFrom", "no space", T0.plusSeconds(61), 101 + MINUTE)
                        .line())
                .as("a minute later it is said again")
                .isPresent();
    }

    @Test
    void theSameActionFailingAnotherWayKeepsItsStartAndIsLogged() {
        FailureLog failing =
                FailureLog.NONE.failed("Follow", "rewind failed", T0, 0).log();
        FailureLog.Failed other = failing.failed("Follow", "primary unreachable", T0.plusSeconds(3), 10);
        assertThat(other.log().failing()).contains(new FailingAction("Follow", "primary unreachable", T0));
        assertThat(other.line()).contains("Follow failed: primary unreachable");
    }

    @Test
    void anotherActionStartsAFreshRun() {
        FailureLog failing = FailureLog.NONE.failed("Follow", "x", T0, 0).log();
        assertThat(failing.failed("Promote", "x", T0.plusSeconds(3), 10).log().failing())
                .contains(new FailingAction("Promote", "x", T0.plusSeconds(3)));
    }

    @Test
    void successClearsTheReportButNotTheMemoryOfTheLastLine() {
        FailureLog.Failed failed = FailureLog.NONE.failed("Promote", "refused", T0, 0);
        FailureLog cleared = failed.log().cleared();
        assertThat(cleared.failing()).isEmpty();
        FailureLog.Failed again = cleared.failed("Promote", "refused", T0.plusSeconds(10), 10);
        assertThat(again.log().failing())
                .as("a new run starts")
                .contains(new FailingAction("Promote", "refused", T0.plusSeconds(10)));
        assertThat(again.line())
                .as("but the same line is not logged twice in a minute")
                .isEqualTo(Optional.empty());
    }
}
