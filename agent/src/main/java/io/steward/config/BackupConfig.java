package io.steward.config;

import java.util.Optional;

/**
 * What the node archives for point-in-time recovery (YAML section {@code backup}).
 *
 * @param store the S3 location every archive shares; empty when none is configured
 * @param wal the WAL archive in the store
 * @param snapshots EBS snapshot sets of the data volumes, cataloged in the store
 * @param dumps dumps of the whole dataset in the store
 */
public record BackupConfig(Optional<BackupStoreConfig> store, WalArchiveConfig wal, SnapshotConfig snapshots,
                           DumpConfig dumps) {
}
