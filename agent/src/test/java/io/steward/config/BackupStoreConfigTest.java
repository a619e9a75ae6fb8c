package io.steward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.steward.settings.ConfigException;
import io.steward.settings.ConfigProblem;
import io.steward.store.BackupStoreConfig;
import io.steward.store.BackupStoreConfig.Compression;
import io.steward.store.BackupStoreConfig.Encryption;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupStoreConfigTest {
    @TempDir
    Path dir;

    @Test
    void withoutTheSectionThereIsNoStore() throws IOException {
        StewardConfig config = load(ConfigLoaderTest.VALID_YAML, Map.of());

        assertThat(config.backup().store()).isEmpty();
        assertThat(config.deprecations()).isEmpty();
    }

    @Test
    void aBucketAndARegionAreEnoughTheRestHasDefaults() throws IOException {
        StewardConfig config = load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  store:
                    bucket: my-backup-bucket
                    region: eu-west-1
                """, Map.of());

        assertThat(config.backup().store())
                .contains(new BackupStoreConfig(
                        "my-backup-bucket",
                        "steward",
                        Compression.ZSTD,
                        Encryption.AES256,
                        Optional.empty(),
                        Optional.empty(),
                        false,
                        Optional.of("eu-west-1"),
                        4,
                        Duration.ofSeconds(60)));
        assertThat(config.deprecations()).isEmpty();
    }

    @Test
    void everyKeyCanBeSetAndTheRegionComesFromAwsRegionWhenNotGiven() throws IOException {
        Optional<BackupStoreConfig> store = load(
                        ConfigLoaderTest.VALID_YAML.replace("  imds: off", "  imds: off\n  region: us-east-2") + """
                backup:
                  store:
                    bucket: my.backup-bucket
                    prefix: backups/prod
                    compression: lz4
                    sse: aws:kms
                    kms_key_id: alias/steward-backups
                    endpoint: http://127.0.0.1:9000
                    path_style: true
                    max_attempts: 2
                    attempt_timeout: 5s
                """,
                        Map.of())
                .backup()
                .store();

        assertThat(store)
                .contains(new BackupStoreConfig(
                        "my.backup-bucket",
                        "backups/prod",
                        Compression.LZ4,
                        Encryption.AWS_KMS,
                        Optional.of("alias/steward-backups"),
                        Optional.of(URI.create("http://127.0.0.1:9000")),
                        true,
                        Optional.of("us-east-2"),
                        2,
                        Duration.ofSeconds(5)));
    }

    @Test
    void environmentVariablesReachTheNestedSection() throws IOException {
        BackupStoreConfig store = load(
                        ConfigLoaderTest.VALID_YAML,
                        Map.of(
                                "STEWARD_BACKUP_STORE_BUCKET", "env-bucket",
                                "STEWARD_BACKUP_STORE_REGION", "eu-central-1",
                                "STEWARD_BACKUP_STORE_COMPRESSION", "none",
                                "STEWARD_BACKUP_STORE_PREFIX", ""))
                .backup()
                .store()
                .orElseThrow();

        assertThat(store.bucket()).isEqualTo("env-bucket");
        assertThat(store.region()).contains("eu-central-1");
        assertThat(store.compression()).isEqualTo(Compression.NONE);
        assertThat(store.prefix())
                .as("an empty prefix is allowed: the cluster's folder is then at the top")
                .isEmpty();
    }

    @Test
    void everyBadValueIsNamedAtOnce() throws IOException {
        ConfigException e =
                catchThrowableOfType(ConfigException.class, () -> load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  store:
                    compression: gzip
                    sse: aws:kms
                    endpoint: ftp://example.com
                    max_attempts: 0
                    colour: blue
                  everything: true
                """, Map.of()));

        assertThat(e.problems())
                .extracting(BackupStoreConfigTest::keyWithoutOrigin)
                .containsExactlyInAnyOrder(
                        "backup.store.bucket",
                        "backup.store.compression",
                        "backup.store.kms_key_id",
                        "backup.store.endpoint",
                        "backup.store.region",
                        "backup.store.max_attempts",
                        "backup.store.colour",
                        "backup.everything");
        assertThat(e.getMessage())
                .contains("backup.store.bucket: missing; an S3 bucket name")
                .contains("required: every archive goes there")
                .contains("backup.store.compression (from config file ")
                .contains("'gzip' is not valid; one of zstd, lz4, none")
                .contains("backup.store.kms_key_id: missing; required with sse aws:kms")
                .contains("'ftp://example.com' is not valid; an http:// or https:// URL")
                .contains("'blue' is not valid; unknown key; known keys here: bucket, prefix, compression, sse, "
                        + "kms_key_id, endpoint, path_style, region, max_attempts, attempt_timeout");
    }

    @Test
    void badNamesAndAKeyWithoutKmsAreProblems() throws IOException {
        ConfigException e =
                catchThrowableOfType(ConfigException.class, () -> load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  store:
                    bucket: My_Bucket
                    prefix: /leading/slash/
                    sse: none
                    kms_key_id: alias/orphan
                    region: Europe
                """, Map.of()));

        assertThat(e.problems())
                .extracting(BackupStoreConfigTest::keyWithoutOrigin)
                .containsExactlyInAnyOrder(
                        "backup.store.bucket",
                        "backup.store.prefix",
                        "backup.store.sse",
                        "backup.store.kms_key_id",
                        "backup.store.region");
        assertThat(e.getMessage())
                .contains("'none' is not valid; AES256 (keys managed by S3) or aws:kms (with kms_key_id)")
                // the loader hides values of keys that look like secrets, and a KMS key id looks like one
                .contains("backup.store.kms_key_id (from config file ")
                .contains("only with sse aws:kms (sse is AES256)");
    }

    /**
     * The store's keys were in a plugin's section (here the test plugin's backup.archive, in PostgreSQL's backup.wal)
     * before backup.store existed: they are read there for one more release.
     */
    @Test
    void theOldKeysStillConfigureTheStoreWithOneDeprecationLine() throws IOException {
        StewardConfig config = load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  archive:
                    bucket: my-backup-bucket
                    region: eu-west-1
                    compression: lz4
                    socket: /run/archive.sock
                """, Map.of());

        assertThat(config.backup().store())
                .contains(new BackupStoreConfig(
                        "my-backup-bucket",
                        "steward",
                        Compression.LZ4,
                        Encryption.AES256,
                        Optional.empty(),
                        Optional.empty(),
                        false,
                        Optional.of("eu-west-1"),
                        4,
                        Duration.ofSeconds(60)));
        assertThat(config.deprecations())
                .containsExactly("backup.archive.bucket, backup.archive.compression, "
                        + "backup.archive.region: "
                        + "deprecated, read as backup.store.bucket, backup.store.compression, backup.store.region for this "
                        + "release only; move them to backup.store");
    }

    @Test
    void theOldKeysReachTheStoreFromTheEnvironmentToo() throws IOException {
        StewardConfig config = load(
                ConfigLoaderTest.VALID_YAML,
                Map.of(
                        "STEWARD_BACKUP_ARCHIVE_BUCKET", "env-bucket",
                        "STEWARD_BACKUP_ARCHIVE_REGION", "eu-central-1"));

        assertThat(config.backup().store().map(BackupStoreConfig::bucket)).contains("env-bucket");
        assertThat(config.deprecations()).hasSize(1);
    }

    @Test
    void theOldKeysAreCheckedWhereTheyAre() throws IOException {
        ConfigException e =
                catchThrowableOfType(ConfigException.class, () -> load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  archive:
                    compression: gzip
                    region: eu-west-1
                """, Map.of()));

        assertThat(e.problems())
                .extracting(BackupStoreConfigTest::keyWithoutOrigin)
                .containsExactlyInAnyOrder("backup.archive.bucket", "backup.archive.compression");
    }

    @Test
    void anOldArchiveThatIsSwitchedOffNeedsNoBucketAndGivesNoStore() throws IOException {
        StewardConfig config = load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  archive:
                    enabled: false
                    prefix: kept
                """, Map.of());

        assertThat(config.backup().store()).isEmpty();
    }

    @Test
    void theOldKeysBesideTheNewSectionAreAProblemNamingWhereTheyGo() throws IOException {
        ConfigException e =
                catchThrowableOfType(ConfigException.class, () -> load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  store: {bucket: new-bucket, region: eu-west-1}
                  archive: {bucket: old-bucket, path_style: true}
                """, Map.of()));

        assertThat(e.problems())
                .extracting(BackupStoreConfigTest::keyWithoutOrigin)
                .containsExactlyInAnyOrder("backup.archive.bucket", "backup.archive.path_style");
        assertThat(e.getMessage())
                .contains("backup.archive.bucket (from config file ")
                .contains("'old-bucket' is not valid; absent when backup.store is given: the store's keys moved there "
                        + "(backup.store.bucket)");
    }

    /** Problems name where a value came from, e.g. {@code backup.store.sse (from config file /tmp/...)}. */
    static String keyWithoutOrigin(ConfigProblem problem) {
        return problem.key().replaceAll(" \\(from .*\\)$", "");
    }

    private StewardConfig load(String yaml, Map<String, String> env) throws IOException {
        Path file = Files.writeString(dir.resolve("steward.yml"), yaml);
        return ConfigLoader.load(new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, env, Map.of()));
    }
}
