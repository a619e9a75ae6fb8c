package io.steward.postgres.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.steward.config.ConfigLoader;
import io.steward.config.StewardConfig;
import io.steward.settings.ConfigException;
import io.steward.settings.ConfigProblem;
import io.steward.store.BackupStoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code backup.wal}, read by this plugin, and the store keys it held before {@code backup.store} existed. */
class WalArchiveConfigTest {
    private static final String POSTGRESQL = """
            cluster: db.example.net
            engine: postgresql
            node: {name: db01, host: 10.0.0.5}
            zookeeper: {connect: "zk1:2181,zk2:2181", digest_user: steward, digest_password: zk-secret}
            aws: {imds: off}
            postgresql: {data_dir: /var/lib/postgresql/15/steward, superuser_password: s1, replication_password: s2}
            """;
    /** The agent's test plugin: another engine than PostgreSQL. */
    private static final String TESTENGINE = """
            cluster: db.example.net
            engine: testengine
            node: {name: db01, host: 10.0.0.5}
            zookeeper: {connect: "zk1:2181,zk2:2181", digest_user: steward, digest_password: zk-secret}
            aws: {imds: off}
            testengine: {data_dir: /var/lib/test}
            """;

    private static final String STORE = """
            backup:
              store: {bucket: my-backup-bucket, region: eu-west-1}
            """;

    @TempDir
    Path dir;

    @Test
    void withoutAStoreArchivingIsOff() throws IOException {
        assertThat(WalArchiveConfig.of(load(POSTGRESQL)).enabled()).isFalse();
    }

    @Test
    void aStoreSwitchesArchivingOnWithTheDefaults() throws IOException {
        assertThat(WalArchiveConfig.of(load(POSTGRESQL + STORE)))
                .isEqualTo(new WalArchiveConfig(true, Optional.of(Path.of("/run/steward/wal.sock")), 2));
    }

    @Test
    void theSocketAndPushAheadCanBeSetAndArchivingSwitchedOff() throws IOException {
        assertThat(WalArchiveConfig.of(load(POSTGRESQL + STORE + """
                  wal:
                    socket: ""
                    push_ahead: 0
                """)))
                .isEqualTo(new WalArchiveConfig(true, Optional.empty(), 0));
        assertThat(WalArchiveConfig.of(load(POSTGRESQL + STORE + """
                  wal:
                    enabled: false
                """)).enabled())
                .isFalse();
    }

    @Test
    void theEnvironmentReachesTheSectionAndTheCommandsSocketIsNotConfiguration() throws IOException {
        StewardConfig config = load(
                POSTGRESQL + STORE,
                Map.of("STEWARD_BACKUP_WAL_PUSH_AHEAD", "5", "STEWARD_WAL_SOCKET", "/run/elsewhere.sock"));

        assertThat(WalArchiveConfig.of(config).pushAhead()).isEqualTo(5);
    }

    @Test
    void anArchiveWithoutAStoreIsAProblemAndEveryBadValueIsNamed() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(POSTGRESQL + """
                backup:
                  wal:
                    socket: relative.sock
                    push_ahead: 17
                    colour: blue
                """));

        assertThat(e.problems())
                .extracting(WalArchiveConfigTest::keyWithoutOrigin)
                .containsExactlyInAnyOrder(
                        "backup.store", "backup.wal.socket", "backup.wal.push_ahead", "backup.wal.colour");
        assertThat(e.getMessage())
                .contains("backup.store: missing; the S3 bucket (and region) the WAL archive goes to")
                .contains("an absolute path, or \"\" for no socket")
                .contains("'blue' is not valid; unknown key; known keys here: enabled, socket, push_ahead");
    }

    /** Before backup.store existed, its keys were backup.wal's: they are read there for one more release. */
    @Test
    void theOldKeysStillConfigureTheStoreAndTheArchiveKeepsItsOwn() throws IOException {
        StewardConfig config = load(POSTGRESQL + """
                backup:
                  wal:
                    bucket: my-wal-bucket
                    region: eu-west-1
                    socket: ""
                    push_ahead: 1
                """);

        assertThat(config.backup().store().map(BackupStoreConfig::bucket)).contains("my-wal-bucket");
        assertThat(config.deprecations())
                .containsExactly("backup.wal.bucket, backup.wal.region: deprecated, read as "
                        + "backup.store.bucket, backup.store.region for this release only; move them to backup.store");
        assertThat(WalArchiveConfig.of(config)).isEqualTo(new WalArchiveConfig(true, Optional.empty(), 1));
    }

    @Test
    void anOldArchiveSwitchedOffIsNoStoreAndNoArchive() throws IOException {
        StewardConfig config = load(POSTGRESQL + """
                backup:
                  wal: {enabled: false, bucket: kept-bucket}
                """);

        assertThat(config.backup().store()).isEmpty();
        assertThat(WalArchiveConfig.of(config).enabled()).isFalse();
    }

    /** Another engine's configuration that named the store in backup.wal keeps working; the rest meant nothing to it. */
    @Test
    void anotherEnginesOldArchiveSectionStillGivesTheStore() throws IOException {
        StewardConfig config = load(TESTENGINE + """
                backup:
                  wal: {bucket: my-dumps, region: eu-west-1, socket: ""}
                """);

        assertThat(config.backup().store().map(BackupStoreConfig::bucket)).contains("my-dumps");
        assertThat(config.backup().pluginSections()).isEmpty();
        assertThat(config.deprecations()).hasSize(1);
    }

    @Test
    void theArchiveSectionIsRefusedForAnotherEngine() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(TESTENGINE + STORE + """
                  wal: {push_ahead: 1}
                """));

        assertThat(e.problems())
                .extracting(WalArchiveConfigTest::keyWithoutOrigin)
                .containsExactly("backup.wal");
        assertThat(e.getMessage()).contains("absent unless engine is postgresql: the section is that plugin's");
    }

    /** Problems name where a value came from, e.g. {@code backup.wal.socket (from config file /tmp/...)}. */
    private static String keyWithoutOrigin(ConfigProblem problem) {
        return problem.key().replaceAll(" \\(from .*\\)$", "");
    }

    private StewardConfig load(String yaml) throws IOException {
        return load(yaml, Map.of());
    }

    private StewardConfig load(String yaml, Map<String, String> environment) throws IOException {
        Path file = Files.writeString(dir.resolve("steward.yml"), yaml);
        return ConfigLoader.load(
                new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, environment, Map.of()));
    }
}
