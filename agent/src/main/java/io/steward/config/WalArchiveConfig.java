package io.steward.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Where and how PostgreSQL's WAL is archived in S3 (YAML section {@code backup.wal}).
 *
 * @param enabled whether {@code wal-push}/{@code wal-fetch} may use the archive at all
 * @param bucket the S3 bucket; required when enabled
 * @param prefix the key prefix before {@code <cluster>/wal/}; may be empty
 * @param compression how segments are compressed before upload
 * @param sse the server-side encryption S3 applies to each object
 * @param kmsKeyId the KMS key for {@link Encryption#AWS_KMS}; absent for {@link Encryption#AES256}
 * @param endpoint S3's endpoint, when not the region's own (tests, S3-compatible stores, VPC endpoints by URL)
 * @param pathStyle address the bucket in the path ({@code http://host/bucket/key}) rather than in the host name
 * @param region the bucket's region: {@code backup.wal.region}, else {@code aws.region}, else the node's from IMDS
 * @param maxAttempts how many times one S3 request is tried before the push or fetch fails (the SDK's standard
 *        retry strategy, with jittered backoff between attempts)
 * @param attemptTimeout how long one attempt may take; a stalled connection counts as a failed attempt
 * @param socket where the running agent takes wal-push and wal-fetch requests; empty: it takes none
 * @param pushAhead how many of the segments PostgreSQL has marked ready the agent uploads at once while PostgreSQL's
 *        archive_command is still busy with an earlier one (0: only the one asked for)
 */
public record WalArchiveConfig(boolean enabled, String bucket, String prefix, Compression compression, Encryption sse,
                               Optional<String> kmsKeyId, Optional<URI> endpoint, boolean pathStyle,
                               Optional<String> region, int maxAttempts, Duration attemptTimeout, Optional<Path> socket,
                               int pushAhead) {

    public static final String DEFAULT_PREFIX = "steward";
    public static final int DEFAULT_MAX_ATTEMPTS = 4;
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(60);
    /** Where wal-push and wal-fetch look for the agent unless told otherwise. */
    public static final Path DEFAULT_SOCKET = Path.of("/run/steward/wal.sock");
    /** Two uploads beside the one PostgreSQL waits for: enough to keep up with a burst of WAL on a small node. */
    public static final int DEFAULT_PUSH_AHEAD = 2;

    /** Archiving switched off: what a configuration without a {@code backup.wal} section gets. */
    public static WalArchiveConfig disabled() {
        return new WalArchiveConfig(false, "", DEFAULT_PREFIX, Compression.ZSTD, Encryption.AES256, Optional.empty(),
                Optional.empty(), false, Optional.empty(), DEFAULT_MAX_ATTEMPTS, DEFAULT_ATTEMPT_TIMEOUT, Optional.empty(),
                DEFAULT_PUSH_AHEAD);
    }

    public enum Compression {
        /** zstd level 1: about as fast as lz4 on WAL and much smaller. */
        ZSTD,
        /** Fastest to compress, for nodes short of CPU. */
        LZ4,
        /** Stored as is, e.g. when WAL compression is already done by PostgreSQL ({@code wal_compression}). */
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
