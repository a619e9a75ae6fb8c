package io.steward.config;

import io.steward.config.WalArchiveConfig.Compression;
import io.steward.config.WalArchiveConfig.Encryption;
import io.steward.settings.ConfigException;
import io.steward.settings.ConfigProblem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class WalArchiveConfigTest {
    @TempDir
    Path dir;

    @Test
    void withoutTheSectionArchivingIsOff() throws IOException {
        assertThat(load(ConfigLoaderTest.VALID_YAML, Map.of()).backup().wal()).isEqualTo(WalArchiveConfig.disabled());
    }

    @Test
    void aBucketAndARegionAreEnoughTheRestHasDefaults() throws IOException {
        WalArchiveConfig wal = load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  wal:
                    bucket: my-wal-bucket
                    region: eu-west-1
                """, Map.of()).backup().wal();

        assertThat(wal).isEqualTo(new WalArchiveConfig(true, "my-wal-bucket", "steward", Compression.ZSTD, Encryption.AES256,
                Optional.empty(), Optional.empty(), false, Optional.of("eu-west-1"), 4, Duration.ofSeconds(60),
                Optional.of(Path.of("/run/steward/wal.sock")), 2));
    }

    @Test
    void everyKeyCanBeSetAndTheRegionComesFromAwsRegionWhenNotGiven() throws IOException {
        WalArchiveConfig wal = load(ConfigLoaderTest.VALID_YAML.replace("  imds: off", "  imds: off\n  region: us-east-2") + """
                backup:
                  wal:
                    bucket: my.wal-bucket
                    prefix: backups/prod
                    compression: lz4
                    sse: aws:kms
                    kms_key_id: alias/steward-wal
                    endpoint: http://127.0.0.1:9000
                    path_style: true
                    max_attempts: 2
                    attempt_timeout: 5s
                    socket: ""
                    push_ahead: 0
                """, Map.of()).backup().wal();

        assertThat(wal).isEqualTo(new WalArchiveConfig(true, "my.wal-bucket", "backups/prod", Compression.LZ4, Encryption.AWS_KMS,
                Optional.of("alias/steward-wal"), Optional.of(URI.create("http://127.0.0.1:9000")), true,
                Optional.of("us-east-2"), 2, Duration.ofSeconds(5), Optional.empty(), 0));
    }

    @Test
    void environmentVariablesReachTheNestedSection() throws IOException {
        WalArchiveConfig wal = load(ConfigLoaderTest.VALID_YAML, Map.of(
                "STEWARD_BACKUP_WAL_BUCKET", "env-bucket",
                "STEWARD_BACKUP_WAL_REGION", "eu-central-1",
                "STEWARD_BACKUP_WAL_COMPRESSION", "none",
                "STEWARD_BACKUP_WAL_PREFIX", "")).backup().wal();

        assertThat(wal.enabled()).isTrue();
        assertThat(wal.bucket()).isEqualTo("env-bucket");
        assertThat(wal.region()).contains("eu-central-1");
        assertThat(wal.compression()).isEqualTo(Compression.NONE);
        assertThat(wal.prefix()).as("an empty prefix is allowed: the cluster's folder is then at the top").isEmpty();
    }

    @Test
    void disabledNeedsNoBucket() throws IOException {
        WalArchiveConfig wal = load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  wal:
                    enabled: false
                """, Map.of()).backup().wal();

        assertThat(wal.enabled()).isFalse();
    }

    @Test
    void everyBadValueIsNamedAtOnce() throws IOException {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  wal:
                    compression: gzip
                    sse: aws:kms
                    endpoint: ftp://example.com
                    max_attempts: 0
                    colour: blue
                  everything: true
                """, Map.of()));

        assertThat(e.problems()).extracting(WalArchiveConfigTest::keyWithoutOrigin).containsExactlyInAnyOrder(
                "backup.wal.bucket", "backup.wal.compression", "backup.wal.kms_key_id", "backup.wal.endpoint",
                "backup.wal.region", "backup.wal.max_attempts", "backup.wal.colour", "backup.everything");
        assertThat(e.getMessage())
                .contains("backup.wal.bucket: missing; an S3 bucket name")
                .contains("required when WAL archiving is enabled")
                .contains("backup.wal.compression (from config file ")
                .contains("'gzip' is not valid; one of zstd, lz4, none")
                .contains("backup.wal.kms_key_id: missing; required with sse aws:kms")
                .contains("'ftp://example.com' is not valid; an http:// or https:// URL")
                .contains("'blue' is not valid; unknown key; known keys here: enabled, bucket, prefix, compression, sse, "
                        + "kms_key_id, endpoint, path_style, region, max_attempts, attempt_timeout");
    }

    @Test
    void badNamesAndAKeyWithoutKmsAreProblems() throws IOException {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  wal:
                    bucket: My_Bucket
                    prefix: /leading/slash/
                    sse: none
                    kms_key_id: alias/orphan
                    region: Europe
                """, Map.of()));

        assertThat(e.problems()).extracting(WalArchiveConfigTest::keyWithoutOrigin).containsExactlyInAnyOrder(
                "backup.wal.bucket", "backup.wal.prefix", "backup.wal.sse", "backup.wal.kms_key_id", "backup.wal.region");
        assertThat(e.getMessage())
                .contains("'none' is not valid; AES256 (keys managed by S3) or aws:kms (with kms_key_id)")
                // the loader hides values of keys that look like secrets, and a KMS key id looks like one
                .contains("backup.wal.kms_key_id (from config file ")
                .contains("only with sse aws:kms (sse is AES256)");
    }

    /** Problems name where a value came from, e.g. {@code backup.wal.sse (from config file /tmp/...)}. */
    private static String keyWithoutOrigin(ConfigProblem problem) {
        return problem.key().replaceAll(" \\(from .*\\)$", "");
    }

    private StewardConfig load(String yaml, Map<String, String> env) throws IOException {
        Path file = Files.writeString(dir.resolve("steward.yml"), yaml);
        return ConfigLoader.load(new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, env, Map.of()));
    }
}
