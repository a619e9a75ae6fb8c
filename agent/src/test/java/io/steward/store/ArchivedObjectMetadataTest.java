package io.steward.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.store.BackupStoreConfig.Compression;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArchivedObjectMetadataTest {
    private static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @Test
    void metadataRoundTripsThroughS3sLowerCaseKeys() {
        ArchivedObjectMetadata metadata = new ArchivedObjectMetadata(Compression.LZ4, SHA, 16_777_216);

        assertThat(metadata.toS3())
                .isEqualTo(Map.of("steward-compression", "lz4", "steward-sha256", SHA, "steward-size", "16777216"));
        assertThat(ArchivedObjectMetadata.fromS3(metadata.toS3())).contains(metadata);
        assertThat(ArchivedObjectMetadata.fromS3(
                        Map.of("Steward-Compression", "zstd", "STEWARD-SHA256", SHA, "steward-size", "1")))
                .contains(new ArchivedObjectMetadata(Compression.ZSTD, SHA, 1));
    }

    @Test
    void metadataThatIsMissingOrMalformedIsNone() {
        assertThat(ArchivedObjectMetadata.fromS3(Map.of())).isEmpty();
        assertThat(ArchivedObjectMetadata.fromS3(
                        Map.of("steward-compression", "gzip", "steward-sha256", SHA, "steward-size", "1")))
                .isEmpty();
        assertThat(ArchivedObjectMetadata.fromS3(
                        Map.of("steward-compression", "zstd", "steward-sha256", "abc", "steward-size", "1")))
                .isEmpty();
        assertThat(ArchivedObjectMetadata.fromS3(
                        Map.of("steward-compression", "zstd", "steward-sha256", SHA, "steward-size", "-1")))
                .isEmpty();
        assertThat(ArchivedObjectMetadata.fromS3(
                        Map.of("steward-compression", "zstd", "steward-sha256", SHA, "steward-size", "x")))
                .isEmpty();
    }
}
