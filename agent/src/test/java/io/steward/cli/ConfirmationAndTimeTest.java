package io.steward.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pure parts of the mutating commands: confirmation, --scheduled times, the settings document and its diff. */
class ConfirmationAndTimeTest {
    private static final Clock NOON_IN_PARIS =
            Clock.fixed(Instant.parse("2026-05-04T10:00:00Z"), ZoneId.of("Europe/Paris"));

    @AfterEach
    void restoreTerminal() {
        Confirmation.terminal = Confirmation.SYSTEM;
    }

    private static Confirmation.Terminal answering(String answer) {
        return new Confirmation.Terminal() {
            @Override
            public boolean interactive() {
                return true;
            }

            @Override
            public String ask(String question) {
                return answer;
            }
        };
    }

    @Test
    void forceSkipsTheQuestionYesGoesAheadAnythingElseAborts() {
        Confirmation.terminal = answering(null);
        Confirmation.require("Restart pg2?", true, "restart pg2");

        Confirmation.terminal = answering(" Y ");
        Confirmation.require("Restart pg2?", false, "restart pg2");

        for (String answer : new String[] {"", "n", "no", "yep", null}) {
            Confirmation.terminal = answering(answer);
            assertThatThrownBy(() -> Confirmation.require("Restart pg2?", false, "restart pg2"))
                    .isInstanceOf(ApiCommand.Stop.class)
                    .hasMessage("aborted: nothing changed")
                    .satisfies(e -> assertThat(((ApiCommand.Stop) e).exitCode).isEqualTo(StewardCli.EXIT_REFUSED));
        }
    }

    @Test
    void withoutATerminalItRefusesWithExitCode2() {
        Confirmation.terminal = new Confirmation.Terminal() {
            @Override
            public boolean interactive() {
                return false;
            }

            @Override
            public String ask(String question) {
                throw new AssertionError();
            }
        };

        assertThatThrownBy(() -> Confirmation.require("Restart pg2?", false, "restart pg2"))
                .hasMessage("not confirmed: there is no terminal to ask on; pass --force to restart pg2 without asking")
                .satisfies(e -> assertThat(((ApiCommand.Stop) e).exitCode).isEqualTo(StewardCli.EXIT_USAGE));
    }

    @Test
    void scheduledTimesAreIsoOrLocalOrATimeOfDayAndMustBeAhead() {
        assertThat(ScheduledTime.parse("2026-05-04T10:30:00Z", NOON_IN_PARIS))
                .isEqualTo(Instant.parse("2026-05-04T10:30:00Z"));
        assertThat(ScheduledTime.parse("2026-05-04T14:30:00+02:00", NOON_IN_PARIS))
                .isEqualTo(Instant.parse("2026-05-04T12:30:00Z"));
        assertThat(ScheduledTime.parse("2026-05-04T12:30", NOON_IN_PARIS))
                .as("local time, Paris in summer is UTC+2")
                .isEqualTo(Instant.parse("2026-05-04T10:30:00Z"));
        assertThat(ScheduledTime.parse("12:45", NOON_IN_PARIS)).isEqualTo(Instant.parse("2026-05-04T10:45:00Z"));
        assertThatThrownBy(() -> ScheduledTime.parse("11:59", NOON_IN_PARIS)).hasMessageContaining("in the past");
        assertThatThrownBy(() -> ScheduledTime.parse("tomorrow", NOON_IN_PARIS))
                .hasMessageContaining("ISO-8601")
                .hasMessageContaining("HH:MM today");
    }

    @Test
    void theSettingsDiffIsUnifiedWithEveryLineAsContext() {
        assertThat(HaSettingsYaml.diff(Map.of("loop_wait", "1s"), Map.of("loop_wait", "1s")))
                .isEmpty();
        assertThat(HaSettingsYaml.diff(
                        Map.of("loop_wait", "1s", "failsafe_mode", "true"),
                        Map.of("loop_wait", "2s", "failsafe_mode", "true", "synchronous_mode", "true")))
                .isEqualTo("""
                        --- cluster-wide settings (ZooKeeper)
                        +++ after this change
                        @@ -1,2 +1,3 @@
                        -loop_wait: 1s
                        +loop_wait: 2s
                        +synchronous_mode: true
                         failsafe_mode: true
                        """);
        assertThat(HaSettingsYaml.diff(Map.of(), Map.of("loop_wait", "2s")))
                .endsWith("@@ -0,0 +1,1 @@\n+loop_wait: 2s\n");
    }

    @Test
    void anEditedDocumentGivesItsSettingsAndRefusesWhatIsNoSetting() {
        assertThat(HaSettingsYaml.parse("# only comments\n{}\n")).isEmpty();
        assertThat(HaSettingsYaml.parse("loop_wait: 2s\nfailsafe_mode: true\nmaximum_lag_on_failover: 1048576\n"
                        + "primary_start_timeout:\n"))
                .isEqualTo(Map.of("loop_wait", "2s", "failsafe_mode", "true", "maximum_lag_on_failover", "1048576"));
        assertThatThrownBy(() -> HaSettingsYaml.parse("loop_wait: [1s, 2s]\n")).hasMessageContaining("loop_wait");
        assertThatThrownBy(() -> HaSettingsYaml.parse("- loop_wait\n")).hasMessageContaining("mapping");
        assertThatThrownBy(() -> HaSettingsYaml.parse("loop_wait: : :\n")).hasMessageContaining("not YAML");
    }
}
