package io.steward.files;

import java.time.Instant;

/**
 * What {@code fstat} says about an open file, or {@code fstatat} about an entry.
 *
 * @param device the device number as {@code stat(2)} gives it ({@code st_dev})
 * @param changed the change time ({@code st_ctim})
 */
public record FileStat(
        Type type, int permissions, int uid, int gid, long links, long size, long device, long inode, Instant changed) {
    public enum Type {
        REGULAR,
        DIRECTORY,
        SYMBOLIC_LINK,
        OTHER
    }

    /** This version of the file's content; see {@link FileVersion}. */
    public FileVersion version() {
        return new FileVersion(device, inode, size, changed);
    }

    boolean ownedBy(FileOwner owner) {
        return uid == owner.uid();
    }

    String describe() {
        return switch (type) {
            case REGULAR -> "a regular file";
            case DIRECTORY -> "a directory";
            case SYMBOLIC_LINK -> "a symbolic link";
            case OTHER -> "neither a regular file nor a directory";
        };
    }
}
