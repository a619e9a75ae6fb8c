package io.steward.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.Role;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WatchdogRulesTest {
    private static final Duration LOOP_WAIT = Duration.ofSeconds(1);

    /** Remaining time in milliseconds; the loop waits 1 s, so a proof is asked for under 1.1 s left. */
    @ParameterizedTest(name = "guarding={0} left={1}ms failsafe={2} holds={3} {4} overdue={5}")
    @CsvSource({
        // guarding, left ms, failsafe, holds, role, overdue | renew, prove, failsafe, check process, fence
        "false, -5000, true,  true,  PRIMARY, true,  false, false, false, false, false", // nothing to guard
        "true,   5000, false, true,  PRIMARY, false, true,  false, false, true,  false", // plenty left
        "true,   1099, false, true,  PRIMARY, false, true,  true,  false, true,  false", // the loop is late
        "true,   1100, false, true,  PRIMARY, false, true,  false, false, true,  false",
        "true,      1, false, true,  PRIMARY, false, true,  true,  false, true,  false",
        "true,      0, false, true,  PRIMARY, false, false, true,  false, false, true", // the deadline: fence
        "true,  -2000, false, false, STOPPED, false, false, true,  false, false, true",
        "true,   5000, false, true,  STOPPED, false, true,  false, false, false, false", // no process to watch
        "true,   5000, true,  true,  PRIMARY, true,  true,  false, true,  true,  false", // ask the members
        "true,   5000, true,  true,  PRIMARY, false, true,  false, false, true,  false", // ZooKeeper proves it
        "true,   5000, true,  false, PRIMARY, true,  true,  false, false, true,  false", // not the holder
        "true,   5000, true,  true,  REPLICA, true,  true,  false, false, false, false", // not primary
        "true,   5000, false, true,  PRIMARY, true,  true,  false, false, true,  false", // failsafe mode off
        "true,      0, true,  true,  PRIMARY, true,  false, true,  true,  false, true", // asks, and fences
    })
    void verdict(
            boolean guarding,
            long leftMillis,
            boolean failsafeMode,
            boolean holds,
            Role role,
            boolean overdue,
            boolean renew,
            boolean prove,
            boolean askFailsafe,
            boolean checkProcess,
            boolean fence) {
        assertThat(WatchdogRules.check(
                        guarding,
                        Duration.ofMillis(leftMillis).toNanos(),
                        LOOP_WAIT,
                        failsafeMode,
                        holds,
                        role,
                        overdue))
                .isEqualTo(new WatchdogRules.Verdict(renew, prove, askFailsafe, checkProcess, fence));
    }
}
