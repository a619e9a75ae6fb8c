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
 * @param tablespaces the tablespaces on it ({@code main} holds the data directory)
 */
public record SnapshotVolume(String volumeId, String snapshotId, String mountPoint, String device, int sizeGib,
                             List<String> tablespaces) {
    public SnapshotVolume {
        tablespaces = List.copyOf(tablespaces);
    }
}
