package io.steward.config;

/**
 * What the node archives for point-in-time recovery (YAML section {@code backup}).
 *
 * @param wal the WAL archive in S3
 * @param snapshots EBS snapshot sets of the data volumes
 */
public record BackupConfig(WalArchiveConfig wal, SnapshotConfig snapshots) {
}
