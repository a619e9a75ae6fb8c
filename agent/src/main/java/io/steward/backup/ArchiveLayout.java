package io.steward.backup;

/**
 * Where a cluster's archive lives in its bucket: {@code <prefix>/<cluster>/wal/<file name>} (likewise
 * {@code dumps/} and {@code snapshots/}), or without the prefix when it is empty. The cluster name is in the key so that several clusters can share one bucket and a clone can
 * read its source's archive by name.
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

    public String walKey(WalFileName file) {
        return walFolder() + file.value();
    }

    /** The folder (ending in '/') that holds the cluster's WAL files. */
    public String walFolder() {
        return clusterFolder() + "wal/";
    }

    /** The folder (ending in '/') that holds the cluster's dumps. */
    public String dumpFolder() {
        return clusterFolder() + "dumps/";
    }

    /** The folder (ending in '/') that holds the cluster's snapshot set descriptions. */
    public String snapshotFolder() {
        return clusterFolder() + "snapshots/";
    }

    private String clusterFolder() {
        return (prefix.isEmpty() ? "" : prefix + "/") + cluster + "/";
    }
}
