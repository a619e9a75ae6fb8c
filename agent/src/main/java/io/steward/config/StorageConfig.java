package io.steward.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The data volumes of this node (user data {@code tablespaces}) and how they are frozen for snapshots.
 *
 * @param tablespaces one entry per volume, always including {@code main}
 * @param freezeTimeout the longest a filesystem stays frozen: the watchdog and the thaw guard thaw it then
 * @param deviceLinks where attached EBS volumes appear by id ({@code /dev/disk/by-id} on Nitro instances)
 * @param volumes {@code storage.volumes}: which EBS volume is mounted where, by mount point or block device, for
 *                machines where neither the by-id links nor the attachment names tell
 * @param restoreMounts {@code storage.restore_mounts}: a snapshot set's mount point → where this node mounts the
 *                volume made from it, when this node's layout differs from the one the set was taken on (restores
 *                and replica seeding; {@code steward restore --mount} adds to it)
 */
public record StorageConfig(
        List<TablespaceConfig> tablespaces,
        Duration freezeTimeout,
        Path deviceLinks,
        Map<Path, String> volumes,
        Map<Path, Path> restoreMounts) {
    public static final Duration DEFAULT_FREEZE_TIMEOUT = Duration.ofSeconds(10);
    public static final Path DEFAULT_DEVICE_LINKS = Path.of("/dev/disk/by-id");

    public StorageConfig {
        tablespaces = List.copyOf(tablespaces);
        volumes = Map.copyOf(volumes);
        restoreMounts = Map.copyOf(restoreMounts);
    }
}
