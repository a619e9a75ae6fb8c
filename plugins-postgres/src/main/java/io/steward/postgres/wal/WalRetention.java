package io.steward.postgres.wal;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which archived WAL the snapshot sets still need: pure decisions over a set's backup label and file names, so that
 * they can be tested without S3.
 */
final class WalRetention {
    private static final Pattern START_WAL_FILE =
            Pattern.compile("^START WAL LOCATION: \\S+ \\(file ([0-9A-F]{24})\\)$", Pattern.MULTILINE);

    private WalRetention() {}

    /**
     * The first WAL segment still needed, given the files of the oldest restorable set that is kept: the segment its
     * backup label starts from. Older WAL (on any timeline) can go with the sets that needed it. Empty when the set
     * has no backup label that says where it started, in which case no WAL is purged.
     */
    static Optional<String> oldestNeededSegment(Map<String, String> oldestKeptSetFiles) {
        String label = oldestKeptSetFiles.get("backup_label");
        if (label == null) {
            return Optional.empty();
        }
        Matcher matcher = START_WAL_FILE.matcher(label);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /**
     * Whether the archived WAL file {@code name} comes before segment {@code oldestNeeded} and can be purged: segments,
     * partial segments and backup history files are compared by position, whatever their timeline; timeline history
     * files are always kept, since every later timeline's history goes through them.
     */
    static boolean purgeable(String name, String oldestNeeded) {
        if (name.length() < 24 || name.endsWith(".history")) {
            return false;
        }
        return name.substring(8, 24).compareTo(oldestNeeded.substring(8)) < 0;
    }
}
