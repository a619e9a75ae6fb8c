package io.steward.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class WalArchiveConfigTest {
    private static final String STORE = """
            backup:
              store: {bucket: my-backup-bucket, region: eu-west-1}
            """;

    @TempDir
    Path dir;

    @Test
    void withoutAStoreArchivingIsOff() throws IOException {
        assertThat(load(ConfigLoaderTest.VALID_YAML).backup().wal()).isEqualTo(WalArchiveConfig.disabled());
    }

    @Test
    void aStoreSwitchesArchivingOnWithTheDefaults() throws IOException {
        assertThat(load(ConfigLoaderTest.VALID_YAML + STORE).backup().wal()).isEqualTo(new WalArchiveConfig(true,
                Optional.of(Path.of("/run/steward/wal.sock")), 2));
    }

    @Test
    void theSocketAndPushAheadCanBeSetAndArchivingSwitchedOff() throws IOException {
        assertThat(load(ConfigLoaderTest.VALID_YAML + STORE + """
                  wal:
                    socket: ""
                    push_ahead: 0
                """).backup().wal()).isEqualTo(new WalArchiveConfig(true, Optional.empty(), 0));
        assertThat(load(ConfigLoaderTest.VALID_YAML + STORE + """
                  wal:
                    enabled: false
                """).backup().wal().enabled()).isFalse();
    }

    @Test
    void anArchiveWithoutAStoreIsAProblem() throws IOException {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(ConfigLoaderTest.VALID_YAML + """
                backup:
                  wal:
                    socket: relative.sock
                    push_ahead: 17
                """));

        assertThat(e.problems()).extracting(BackupStoreConfigTest::keyWithoutOrigin)
                .containsExactlyInAnyOrder("backup.store", "backup.wal.socket", "backup.wal.push_ahead");
        assertThat(e.getMessage()).contains("backup.store: missing; the S3 bucket (and region) the WAL archive goes to")
                .contains("an absolute path, or \"\" for no socket");
    }

    private StewardConfig load(String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve("steward.yml"), yaml);
        return ConfigLoader.load(new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, Map.of(), Map.of()));
    }
}
