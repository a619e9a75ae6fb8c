package io.steward.postgres.wal;

import io.steward.store.ArchiveLayout;
import java.util.regex.Pattern;

/**
 * The name of a file PostgreSQL archives or restores: a WAL segment ({@code 000000010000000000000003}, timeline then
 * segment number), a partial segment left by a promotion ({@code ....partial}), a backup history file
 * ({@code 000000010000000000000003.00000028.backup}) or a timeline history file ({@code 00000002.history}).
 *
 * <p>Only these names become object keys, so that no argument can reach outside the cluster's {@code wal/} folder.
 */
public record WalFileName(String value) {
    /** The folder of a cluster's archives that holds its WAL. */
    public static final String FOLDER = "wal";

    private static final Pattern NAME =
            Pattern.compile("[0-9A-F]{24}(\\.partial|\\.[0-9A-F]{8}\\.backup)?|[0-9A-F]{8}\\.history");

    public WalFileName {
        if (!isWalFileName(value)) {
            throw new IllegalArgumentException("'" + value + "' is not a WAL file name: expected a segment such as "
                    + "000000010000000000000003 (optionally .partial), a backup history file such as "
                    + "000000010000000000000003.00000028.backup, or a timeline history file such as 00000002.history");
        }
    }

    /** The object key of this file in a cluster's archives. */
    public String keyIn(ArchiveLayout layout) {
        return layout.folder(FOLDER) + value;
    }

    public static boolean isWalFileName(String text) {
        return text != null && NAME.matcher(text).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
