package io.steward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.steward.settings.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageVolumesConfigTest {
    @TempDir
    Path dir;

    @Test
    void withoutTheKeyNoVolumeIsNamed() throws IOException {
        assertThat(load(ConfigLoaderTest.VALID_YAML).storage().volumes()).isEmpty();
    }

    @Test
    void mountPointsAndDevicesMapToVolumeIds() throws IOException {
        StorageConfig storage = load(ConfigLoaderTest.VALID_YAML + """
                storage:
                  volumes: {/data/: vol-0123456789abcdef0, /dev/nvme2n1: vol-0fedcba987654321}
                """).storage();

        assertThat(storage.volumes())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        Path.of("/data"), "vol-0123456789abcdef0", Path.of("/dev/nvme2n1"), "vol-0fedcba987654321"));
    }

    @Test
    void badEntriesAreNamedAtOnce() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(ConfigLoaderTest.VALID_YAML + """
                storage:
                  volumes: {data: vol-0123456789abcdef0, /data: volume-1, /a: vol-0fedcba987654321, /b: vol-0fedcba987654321}
                """));

        assertThat(e.problems())
                .extracting(p -> p.key().replaceAll(" \\(from .*\\)$", ""))
                .containsExactlyInAnyOrder("storage.volumes.data", "storage.volumes./data", "storage.volumes./b");
        assertThat(e.getMessage())
                .contains("an absolute path such as /data or /dev/nvme1n1")
                .contains("an EBS volume id such as vol-0123456789abcdef0")
                .contains("a volume not named for another mount point or device");
    }

    @Test
    void restoreMountsMapASetsMountPointsToThisNodes() throws IOException {
        StorageConfig storage = load(ConfigLoaderTest.VALID_YAML + """
                storage:
                  restore_mounts: {/data/: /srv/pg/../data2}
                """).storage();

        assertThat(storage.restoreMounts()).containsExactlyEntriesOf(Map.of(Path.of("/data"), Path.of("/srv/data2")));
    }

    @Test
    void restoreMountsNeedAbsolutePathsAndNeverTheRoot() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(ConfigLoaderTest.VALID_YAML + """
                storage:
                  restore_mounts: {data: /srv/data, /logs: /}
                """));

        assertThat(e.problems())
                .extracting(p -> p.key().replaceAll(" \\(from .*\\)$", ""))
                .containsExactlyInAnyOrder("storage.restore_mounts.data", "storage.restore_mounts./logs");
        assertThat(e.getMessage())
                .contains("absolute mount points on both sides")
                .contains("a mount point other than /");
    }

    private StewardConfig load(String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve("steward.yml"), yaml);
        return ConfigLoader.load(
                new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, Map.of(), Map.of()));
    }
}
