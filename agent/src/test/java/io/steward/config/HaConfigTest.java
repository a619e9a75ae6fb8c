package io.steward.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.settings.ConfigProblem;
import io.steward.settings.ConfigProblems;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HaConfigTest {

    @Test
    void clusterWideSettingsOverrideOnlyWhatTheyName() {
        HaConfig own = new HaConfig(Duration.ofSeconds(2), 100, Duration.ofSeconds(30), false, false, false);
        ConfigProblems problems = new ConfigProblems();

        HaConfig effective = own.overriddenBy(
                Map.of("synchronous_mode", "true", "maximum_lag_on_failover", "16MB"), "cluster settings", problems);

        assertThat(problems.isEmpty()).isTrue();
        assertThat(effective)
                .isEqualTo(new HaConfig(Duration.ofSeconds(2), 16L << 20, Duration.ofSeconds(30), true, false, false));
    }

    @Test
    void invalidOrUnknownSettingsAreProblemsNamingTheKey() {
        ConfigProblems problems = new ConfigProblems();

        HaConfig.DEFAULTS.overriddenBy(Map.of("loop_wait", "forever", "ttl", "30"), "cluster settings", problems);

        assertThat(problems.list())
                .extracting(ConfigProblem::key)
                .containsExactlyInAnyOrder("cluster settings.loop_wait", "cluster settings.ttl");
    }
}
