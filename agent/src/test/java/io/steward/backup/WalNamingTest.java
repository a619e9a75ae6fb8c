package io.steward.backup;

import io.steward.config.WalArchiveConfig.Compression;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WalNamingTest {
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @Test
    void everyKindOfFilePostgresArchivesIsAValidName() {
        for (String name : new String[] {"000000010000000000000003", "0000000A00000001000000FF.partial",
                "000000010000000000000003.00000028.backup", "00000002.history"}) {
            assertThat(new WalFileName(name).value()).isEqualTo(name);
        }
    }

    @Test
    void anythingElseIsRefusedSoNoKeyLeavesTheWalFolder() {
        for (String name : new String[] {"", "../000000010000000000000003", "000000010000000000000003/x",
                "00000001000000000000000g", "000000010000000000000003.gz", "RECOVERYXLOG", "0000000200.history"}) {
            assertThatThrownBy(() -> new WalFileName(name)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a WAL file name");
        }
    }

    @Test
    void keysArePrefixClusterWalName() {
        WalFileName segment = new WalFileName("000000010000000000000003");

        assertThat(new ArchiveLayout("steward", "db.example.net").walKey(segment))
                .isEqualTo("steward/db.example.net/wal/000000010000000000000003");
        assertThat(new ArchiveLayout("backups/prod", "db1").walKey(new WalFileName("00000002.history")))
                .isEqualTo("backups/prod/db1/wal/00000002.history");
        assertThat(new ArchiveLayout("", "db1").walKey(segment)).isEqualTo("db1/wal/000000010000000000000003");
        assertThatThrownBy(() -> new ArchiveLayout("steward/", "db1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void metadataRoundTripsThroughS3sLowerCaseKeys() {
        ArchivedObjectMetadata metadata = new ArchivedObjectMetadata(Compression.LZ4, SHA, 16_777_216);

        assertThat(metadata.toS3()).isEqualTo(Map.of("steward-compression", "lz4", "steward-sha256", SHA,
                "steward-size", "16777216"));
        assertThat(ArchivedObjectMetadata.fromS3(metadata.toS3())).contains(metadata);
        assertThat(ArchivedObjectMetadata.fromS3(Map.of("Steward-Compression", "zstd", "STEWARD-SHA256", SHA, "steward-size", "1")))
                .contains(new ArchivedObjectMetadata(Compression.ZSTD, SHA, 1));
    }

    @Test
    void metadataThatIsMissingOrMalformedIsNone() {
        assertThat(ArchivedObjectMetadata.fromS3(Map.of())).isEmpty();
        assertThat(ArchivedObjectMetadata.fromS3(Map.of("steward-compression", "gzip", "steward-sha256", SHA, "steward-size", "1"))).isEmpty();
        assertThat(ArchivedObjectMetadata.fromS3(Map.of("steward-compression", "zstd", "steward-sha256", "abc", "steward-size", "1"))).isEmpty();
        assertThat(ArchivedObjectMetadata.fromS3(Map.of("steward-compression", "zstd", "steward-sha256", SHA, "steward-size", "-1"))).isEmpty();
        assertThat(ArchivedObjectMetadata.fromS3(Map.of("steward-compression", "zstd", "steward-sha256", SHA, "steward-size", "x"))).isEmpty();
    }
}
