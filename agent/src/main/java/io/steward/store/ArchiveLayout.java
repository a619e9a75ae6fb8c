package io.steward.store;

/**
 * Where a cluster's archives live in the store's bucket: each in its own folder under {@code <prefix>/<cluster>/}
 * ({@code dumps/}, {@code snapshots/}, and the engine's own archive's), or under {@code <cluster>/} when the prefix is
 * empty. The cluster name is in the key so that several clusters can share one bucket and a clone can read its
 * source's archives by name.
 *
 * @param prefix folders before the cluster's own, without leading or trailing '/'; may be empty
 * @param cluster the cluster's name
 */
public record ArchiveLayout(String prefix, String cluster) {

    public ArchiveLayout {
        if (prefix.startsWith("/") || prefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix '" + prefix + "' must not start or end with '/'");
        }
        if (cluster.isEmpty() || cluster.contains("/")) {
            throw new IllegalArgumentException("cluster '" + cluster + "' must be a non-empty name without '/'");
        }
    }

    /** The folder (ending in '/') of the cluster's archive {@code name}, e.g. an engine's own. */
    public String folder(String name) {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("archive folder '" + name + "' must be a non-empty name without '/'");
        }
        return clusterFolder() + name + "/";
    }

    /** The folder (ending in '/') that holds the cluster's dumps. */
    public String dumpFolder() {
        return folder("dumps");
    }

    /** The folder (ending in '/') that holds the cluster's snapshot set descriptions. */
    public String snapshotFolder() {
        return folder("snapshots");
    }

    private String clusterFolder() {
        return (prefix.isEmpty() ? "" : prefix + "/") + cluster + "/";
    }
}
