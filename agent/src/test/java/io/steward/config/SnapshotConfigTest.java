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

class SnapshotConfigTest {
    private static final String WAL = """
            backup:
              store: {bucket: my-backup-bucket, region: eu-west-1}
            """;

    @TempDir
    Path dir;

    @Test
    void withoutTheSectionSnapshotsAreOff() throws IOException {
        assertThat(load(ConfigLoaderTest.VALID_YAML + WAL, Map.of()).backup().snapshots())
                .isEqualTo(SnapshotConfig.disabled());
    }

    @Test
    void theSectionAloneGivesHourlySetsWithTheBooksRetention() throws IOException {
        SnapshotConfig snapshots = load(ConfigLoaderTest.VALID_YAML + WAL + "  snapshots: {}\n", Map.of())
                .backup()
                .snapshots();

        assertThat(snapshots.enabled()).isTrue();
        assertThat(snapshots.schedule()).contains(RetentionClass.HOURLY);
        assertThat(snapshots.onReplica()).isFalse();
        assertThat(snapshots.retentionOf(RetentionClass.HOURLY)).isEqualTo(Duration.ofDays(7));
        assertThat(snapshots.retentionOf(RetentionClass.DAILY)).isEqualTo(Duration.ofDays(14));
        assertThat(snapshots.retentionOf(RetentionClass.WEEKLY)).isEqualTo(Duration.ofDays(61));
        assertThat(snapshots.retentionOf(RetentionClass.MONTHLY)).isEqualTo(Duration.ofDays(365));
        assertThat(snapshots.completionTimeout()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void everyKeyCanBeSetAlsoFromTheEnvironment() throws IOException {
        SnapshotConfig snapshots = load(
                        ConfigLoaderTest.VALID_YAML + WAL + """
                  snapshots:
                    schedule: daily
                    retention: {daily: 30d, monthly: 730d}
                    completion_timeout: 30m
                    seed_replicas: true
                """, Map.of("STEWARD_BACKUP_SNAPSHOTS_ON_REPLICA", "true"))
                .backup()
                .snapshots();

        assertThat(snapshots.schedule()).contains(RetentionClass.DAILY);
        assertThat(snapshots.onReplica()).isTrue();
        assertThat(snapshots.retentionOf(RetentionClass.DAILY)).isEqualTo(Duration.ofDays(30));
        assertThat(snapshots.retentionOf(RetentionClass.HOURLY)).isEqualTo(Duration.ofDays(7));
        assertThat(snapshots.retentionOf(RetentionClass.MONTHLY)).isEqualTo(Duration.ofDays(730));
        assertThat(snapshots.completionTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(snapshots.seedReplicas()).isTrue();
        assertThat(load(ConfigLoaderTest.VALID_YAML + WAL + "  snapshots: {schedule: off}\n", Map.of())
                        .backup()
                        .snapshots()
                        .schedule())
                .isEmpty();
    }

    @Test
    void seedingReplicasNeedsAnEngineThatStartsOneFromASet() throws IOException {
        String cannotSeed = ConfigLoaderTest.VALID_YAML.replace(
                "  data_dir: /var/lib/test", "  data_dir: /var/lib/test\n  seeds_replicas: false");

        ConfigException e = catchThrowableOfType(
                ConfigException.class, () -> load(cannotSeed + WAL + "  snapshots: {seed_replicas: true}\n", Map.of()));

        assertThat(e.problems())
                .singleElement()
                .satisfies(problem -> assertThat(problem.key()).startsWith("backup.snapshots.seed_replicas"));
        assertThat(e.getMessage())
                .contains("false for engine testengine: it cannot start a replica from a snapshot "
                        + "set's volumes, so new replicas copy from the primary");
        assertThat(load(cannotSeed + WAL + "  snapshots: {}\n", Map.of())
                        .backup()
                        .snapshots()
                        .enabled())
                .as("sets without seeding")
                .isTrue();
    }

    @Test
    void everyBadValueIsNamedAtOnce() throws IOException {
        ConfigException e =
                catchThrowableOfType(ConfigException.class, () -> load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  snapshots:
                    schedule: every-minute
                    retention: {hourly: 0s, yearly: 10y}
                    completion_timeout: forever
                    colour: blue
                """, Map.of()));

        assertThat(e.problems())
                .extracting(p -> p.key().replaceAll(" \\(from .*\\)$", ""))
                .containsExactlyInAnyOrder(
                        "backup.snapshots.schedule",
                        "backup.snapshots.retention.hourly",
                        "backup.snapshots.retention.yearly",
                        "backup.snapshots.completion_timeout",
                        "backup.snapshots.colour",
                        "backup.snapshots.enabled",
                        "backup.snapshots.enabled");
        assertThat(e.getMessage())
                .contains("one of off, hourly, daily, weekly, monthly")
                .contains("configure backup.store, or set backup.snapshots.enabled to false")
                .contains("snapshot sets need this node's EC2 instance id and availability zone");
    }

    @Test
    void anAvailabilityZoneOutsideTheRegionIsAProblem() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> load(
                        ConfigLoaderTest.VALID_YAML.replace("  imds: off", "  imds: off\n  region: us-east-1"),
                        Map.of()));

        assertThat(e.problems())
                .extracting(p -> p.key().replaceAll(" \\(from .*\\)$", ""))
                .containsExactly("node.availability_zone");
        assertThat(e.getMessage()).contains("'eu-west-1a' is not valid; an availability zone of the region us-east-1");
    }

    /** Adds this node's EC2 identity, except to the file with every bad value. */
    private StewardConfig load(String yaml, Map<String, String> env) throws IOException {
        String withIdentity = yaml.replace(
                "  host: 10.0.0.5\n",
                "  host: 10.0.0.5\n  instance_id: i-0123456789abcdef0\n  availability_zone: eu-west-1a\n");
        Path file = Files.writeString(dir.resolve("steward.yml"), yaml.contains("colour: blue") ? yaml : withIdentity);
        return ConfigLoader.load(new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, env, Map.of()));
    }
}
