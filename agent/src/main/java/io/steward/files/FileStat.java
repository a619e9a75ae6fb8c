package io.steward.files;

/** What {@code fstat} says about an open file, or {@code fstatat} about an entry. */
public record FileStat(Type type, int permissions, int uid, int gid, long links, long size) {
    public enum Type { REGULAR, DIRECTORY, SYMBOLIC_LINK, OTHER }

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
