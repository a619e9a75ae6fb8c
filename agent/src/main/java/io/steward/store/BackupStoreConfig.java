package io.steward.store;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The S3 location every archive shares (YAML section {@code backup.store}): the engine's own archive, dumps and the
 * snapshot catalog, each in its folder under {@code <prefix>/<cluster>/}.
 *
 * @param bucket the S3 bucket
 * @param prefix the key prefix before {@code <cluster>/}; may be empty
 * @param compression how objects are compressed before upload
 * @param sse the server-side encryption S3 applies to each object
 * @param kmsKeyId the KMS key for {@link Encryption#AWS_KMS}; absent for {@link Encryption#AES256}
 * @param endpoint S3's endpoint, when not the region's own (tests, S3-compatible stores, VPC endpoints by URL)
 * @param pathStyle address the bucket in the path ({@code http://host/bucket/key}) rather than in the host name
 * @param region the bucket's region: {@code backup.store.region}, else {@code aws.region}, else the node's from IMDS
 * @param maxAttempts how many times one S3 request is tried before it fails (the SDK's standard retry strategy, with
 *        jittered backoff between attempts)
 * @param attemptTimeout how long one attempt may take; a stalled connection counts as a failed attempt
 */
public record BackupStoreConfig(
        String bucket,
        String prefix,
        Compression compression,
        Encryption sse,
        Optional<String> kmsKeyId,
        Optional<URI> endpoint,
        boolean pathStyle,
        Optional<String> region,
        int maxAttempts,
        Duration attemptTimeout) {

    public static final String DEFAULT_PREFIX = "steward";
    public static final int DEFAULT_MAX_ATTEMPTS = 4;
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(60);

    public enum Compression {
        /** zstd level 1: about as fast as lz4 on database files and logs, and much smaller. */
        ZSTD,
        /** Fastest to compress, for nodes short of CPU. */
        LZ4,
        /** Stored as is, e.g. when the database already compresses what it hands over. */
        NONE;

        /** The name used in configuration and in object metadata. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Encryption {
        /** SSE-S3: keys managed by S3. */
        AES256("AES256"),
        /** SSE-KMS with the configured key. */
        AWS_KMS("aws:kms");

        private final String s3Name;

        Encryption(String s3Name) {
            this.s3Name = s3Name;
        }

        /** The name S3 uses, also the one written in configuration. */
        public String s3Name() {
            return s3Name;
        }

        public static Optional<Encryption> fromS3Name(String text) {
            for (Encryption encryption : values()) {
                if (encryption.s3Name.equalsIgnoreCase(text)) {
                    return Optional.of(encryption);
                }
            }
            return Optional.empty();
        }
    }
}
