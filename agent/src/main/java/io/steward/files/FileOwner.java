package io.steward.files;

/** A user by name and numeric ids, as files are owned. */
public record FileOwner(String name, int uid, int gid) {
    public static final FileOwner ROOT = new FileOwner("root", 0, 0);

    /** The user called {@code name}; fails with a message naming it when there is none. */
    public static FileOwner lookup(String name) {
        return NativePosix.INSTANCE
                .user(name)
                .orElseThrow(() -> new IllegalArgumentException("there is no user " + name + " on this machine"));
    }

    /** The effective user of this process. */
    public static FileOwner current() {
        return NativePosix.INSTANCE.currentUser();
    }

    public boolean isRoot() {
        return uid == 0;
    }
}
