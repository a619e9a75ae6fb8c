package io.steward.backup;

import java.util.List;

/**
 * One volume of a snapshot set.
 *
 * @param volumeId the EBS volume that was snapshotted
 * @param snapshotId its snapshot
 * @param mountPoint where the volume was mounted on the node
 * @param device the block device name the volume was attached as (as EC2 reports it)
 * @param sizeGib the volume's size
 * @param paths the engine's data directories on it
 */
public record SnapshotVolume(
        String volumeId, String snapshotId, String mountPoint, String device, int sizeGib, List<String> paths) {
    public SnapshotVolume {
        paths = List.copyOf(paths);
    }
}
