package io.steward.engine;

import java.util.Map;

/**
 * What an engine hands over at the end of a {@link SnapshotHold}.
 *
 * @param startPosition where the hold began; a restore replays from here
 * @param endPosition the position a restore must reach before the database is consistent
 * @param timeline the engine's history counter of the backup
 * @param files files a restore writes into the data directory beside the volumes' content, by name
 *        (such as the backup label the hold produced)
 */
public record SnapshotMarks(long startPosition, long endPosition, long timeline, Map<String, String> files) {
    public SnapshotMarks {
        files = Map.copyOf(files);
    }
}
