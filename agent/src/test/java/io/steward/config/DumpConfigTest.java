package io.steward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.steward.settings.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DumpConfigTest {
    private static final String WAL = """
            backup:
              store: {bucket: my-backup-bucket, region: eu-west-1}
            """;

    @TempDir
    Path dir;

    @Test
    void withoutTheSectionDumpsAreOff() throws IOException {
        assertThat(load(ConfigLoaderTest.VALID_YAML + WAL, Map.of()).backup().dumps())
                .isEqualTo(DumpConfig.disabled());
    }

    @Test
    void theSectionAloneGivesHourlyDumpsWithTheBooksRetention() throws IOException {
        DumpConfig dumps = load(ConfigLoaderTest.VALID_YAML + WAL + "  dumps: {}\n", Map.of())
                .backup()
                .dumps();

        assertThat(dumps.enabled()).isTrue();
        assertThat(dumps.schedule()).contains(RetentionClass.HOURLY);
        assertThat(dumps.onReplica()).isFalse();
        assertThat(dumps.retentionOf(RetentionClass.HOURLY)).isEqualTo(Duration.ofDays(7));
        assertThat(dumps.retentionOf(RetentionClass.MONTHLY)).isEqualTo(Duration.ofDays(365));
        assertThat(dumps.partSize()).isEqualTo(64L * 1024 * 1024);
    }

    @Test
    void everyKeyCanBeSetAlsoFromTheEnvironment() throws IOException {
        DumpConfig dumps = load(
                        ConfigLoaderTest.VALID_YAML + WAL + """
                  dumps:
                    schedule: daily
                    retention: {daily: 30d}
                    part_size: 16MiB
                """, Map.of("STEWARD_BACKUP_DUMPS_ON_REPLICA", "true"))
                .backup()
                .dumps();

        assertThat(dumps.schedule()).contains(RetentionClass.DAILY);
        assertThat(dumps.onReplica()).isTrue();
        assertThat(dumps.partSize()).isEqualTo(16L * 1024 * 1024);
        assertThat(dumps.retentionOf(RetentionClass.DAILY)).isEqualTo(Duration.ofDays(30));
        assertThat(dumps.retentionOf(RetentionClass.WEEKLY)).isEqualTo(Duration.ofDays(61));
        assertThat(load(ConfigLoaderTest.VALID_YAML + WAL + "  dumps: {schedule: off}\n", Map.of())
                        .backup()
                        .dumps()
                        .schedule())
                .isEmpty();
    }

    @Test
    void everyBadValueIsNamedAtOnce() throws IOException {
        ConfigException e =
                catchThrowableOfType(ConfigException.class, () -> load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  dumps:
                    schedule: every-minute
                    retention: {hourly: 0s, yearly: 10y}
                    part_size: 1MiB
                    colour: blue
                """, Map.of()));

        assertThat(e.problems())
                .extracting(p -> p.key().replaceAll(" \\(from .*\\)$", ""))
                .containsExactlyInAnyOrder(
                        "backup.dumps.schedule",
                        "backup.dumps.retention.hourly",
                        "backup.dumps.retention.yearly",
                        "backup.dumps.part_size",
                        "backup.dumps.colour",
                        "backup.dumps.enabled");
        assertThat(e.getMessage())
                .contains("one of off, hourly, daily, weekly, monthly")
                .contains("'1MiB' is not valid; a size from 5242880 to 5368709120 bytes")
                .contains("configure backup.store, or set backup.dumps.enabled to false");
    }

    private StewardConfig load(String yaml, Map<String, String> env) throws IOException {
        Path file = Files.writeString(dir.resolve("steward.yml"), yaml);
        return ConfigLoader.load(new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, env, Map.of()));
    }
}
