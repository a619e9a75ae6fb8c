package io.steward.store;

import io.steward.store.BackupStoreConfig.Compression;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What Steward records in an archived object's user metadata ({@code x-amz-meta-*}), whatever the archive, so that a
 * fetch can undo the compression and prove it got back exactly the bytes that were handed over.
 *
 * @param compression how the object's body is compressed
 * @param sha256 lower-case hex SHA-256 of the uncompressed file
 * @param size the uncompressed file's length in bytes
 */
public record ArchivedObjectMetadata(Compression compression, String sha256, long size) {
    static final String COMPRESSION = "steward-compression";
    static final String SHA256 = "steward-sha256";
    static final String SIZE = "steward-size";
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

    public ArchivedObjectMetadata {
        if (!HEX_SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a lower-case hex SHA-256: '" + sha256 + "'");
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
    }

    /** Whether both describe the same uncompressed bytes, however each is compressed. */
    public boolean sameContent(ArchivedObjectMetadata other) {
        return sha256.equals(other.sha256) && size == other.size;
    }

    public Map<String, String> toS3() {
        return Map.of(COMPRESSION, compression.label(), SHA256, sha256, SIZE, Long.toString(size));
    }

    /**
     * Reads the metadata back; empty when any of it is missing or malformed, i.e. the object was not written by
     * Steward (or its metadata was changed since).
     */
    public static Optional<ArchivedObjectMetadata> fromS3(Map<String, String> metadata) {
        // S3 hands user metadata keys back in lower case; compare the same way whatever a store does
        Map<String, String> lower = new HashMap<>();
        metadata.forEach((key, value) -> lower.put(key.toLowerCase(Locale.ROOT), value));
        String compression = lower.get(COMPRESSION);
        String sha256 = lower.get(SHA256);
        String size = lower.get(SIZE);
        if (compression == null || sha256 == null || size == null) {
            return Optional.empty();
        }
        try {
            Compression known = Compression.valueOf(compression.toUpperCase(Locale.ROOT));
            return Optional.of(new ArchivedObjectMetadata(known, sha256, Long.parseLong(size)));
        } catch (IllegalArgumentException e) {
            // an unknown compression, a malformed digest or size (NumberFormatException is one too)
            return Optional.empty();
        }
    }
}
