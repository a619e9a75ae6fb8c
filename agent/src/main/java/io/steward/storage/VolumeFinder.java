package io.steward.storage;

import java.nio.file.Path;
import java.util.List;

/** Which EBS volumes of this instance hold the given directories. */
@FunctionalInterface
public interface VolumeFinder {
    List<DataVolume> volumesHolding(List<Path> paths);
}
