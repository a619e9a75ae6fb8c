package io.steward.storage;

import java.nio.file.Path;
import java.util.List;

/**
 * One data volume of this node.
 *
 * @param volumeId the EBS volume
 * @param mountPoint where its filesystem is mounted
 * @param device the device name it is attached as, as EC2 reports it
 * @param sizeGib its size
 * @param paths the engine's data directories on it
 * @param tablespaces the configured tablespaces ({@code storage.tablespaces}) attached as its device
 */
public record DataVolume(
        String volumeId, Path mountPoint, String device, int sizeGib, List<Path> paths, List<String> tablespaces) {
    public DataVolume {
        paths = List.copyOf(paths);
        tablespaces = List.copyOf(tablespaces);
    }
}
