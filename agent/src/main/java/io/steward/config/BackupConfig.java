package io.steward.config;

/**
 * What the node archives for point-in-time recovery (YAML section {@code backup}).
 *
 * @param wal the WAL archive in S3
 * @param snapshots EBS snapshot sets of the data volumes
 * @param dumps dumps of the whole dataset (Redis: RDB) in the WAL archive's bucket
 */
public record BackupConfig(WalArchiveConfig wal, SnapshotConfig snapshots, DumpConfig dumps) {
}
