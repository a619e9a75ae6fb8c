package io.steward.backup;

import io.steward.engine.DumpName;
import io.steward.files.FileOwner;
import io.steward.files.HeldDirectory;
import io.steward.store.ArchiveLayout;
import io.steward.store.ArchivedObjectMetadata;
import io.steward.store.BackupStoreConfig;
import io.steward.store.VerifiedTransfer;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Dumps of a whole dataset in S3, under {@code <prefix>/<cluster>/dumps/<name>[.zst|.lz4]}: compressed as the
 * archive is configured, with the SHA-256 and size of the uncompressed file in the object's metadata, encrypted by
 * S3, never overwritten. A fetch writes the file only once it is verified, by an atomic rename. A stored dump larger
 * than the part size goes up as a multipart upload: S3 takes at most 5 GiB in one PUT, and one attempt at a large PUT
 * would outlast {@code attempt_timeout} long before that.
 */
public final class DumpArchive {
    private static final Logger log = LoggerFactory.getLogger(DumpArchive.class);

    /** S3's limit on the parts of one upload. */
    static final int MAX_PARTS = 10_000;

    private final S3Client s3;
    private final BackupStoreConfig config;
    private final ArchiveLayout layout;
    private final long partSize;

    /**
     * @param s3 owned by the caller, who closes it
     * @param partSize a stored dump larger than this is uploaded in parts of this size (larger when 10,000 parts of
     *        it would not hold the dump)
     */
    public DumpArchive(S3Client s3, BackupStoreConfig config, ArchiveLayout layout, long partSize) {
        this.s3 = s3;
        this.config = config;
        this.layout = layout;
        this.partSize = partSize;
    }

    /** Where the dumps are, for messages: {@code s3://bucket/prefix/cluster/dumps/}. */
    public String location() {
        return "s3://" + config.bucket() + "/" + layout.dumpFolder();
    }

    /**
     * Uploads {@code content}, read once, as the dump {@code name} and returns once S3 acknowledged it. The content
     * stays open: its owner closes it.
     *
     * @return the object's key
     * @throws DumpException when the content cannot be read, S3 fails, or a dump of that name is already there
     */
    public String push(InputStream content, DumpName name) {
        String key = layout.dumpFolder() + name + suffix(config.compression());
        String where = "s3://" + config.bucket() + "/" + key;
        Path staged;
        try {
            staged = Files.createTempFile("steward-dump-" + name + "-", ".tmp");
        } catch (IOException e) {
            throw new DumpException(
                    "could not archive dump " + name + ": no temporary file for its compressed copy: " + e, e);
        }
        try {
            ArchivedObjectMetadata metadata = VerifiedTransfer.compress(content, staged, config.compression());
            long stored = Files.size(staged);
            if (stored > partSize) {
                uploadInParts(staged, stored, key, metadata);
            } else {
                s3.putObject(
                        request -> request.bucket(config.bucket())
                                .key(key)
                                .metadata(metadata.toS3())
                                .serverSideEncryption(config.sse().s3Name())
                                .ssekmsKeyId(config.kmsKeyId().orElse(null))
                                // a name is never reused: the time to the millisecond and the member make it unique
                                .ifNoneMatch("*"),
                        RequestBody.fromFile(staged));
            }
            log.info("archived dump {} to {}: {} bytes, {} stored", name, where, metadata.size(), stored);
            return key;
        } catch (IOException e) {
            throw new DumpException("could not archive dump " + name + ": cannot read it: " + e, e);
        } catch (SdkException | UncheckedIOException e) {
            throw new DumpException("could not archive dump " + name + " to " + where + ": " + e.getMessage(), e);
        } finally {
            VerifiedTransfer.deleteQuietly(staged);
        }
    }

    /**
     * Sends {@code staged} in parts and completes the upload only if no object has the key yet; on any failure the
     * upload is aborted, so that S3 keeps (and bills) no orphaned parts.
     */
    private void uploadInParts(Path staged, long stored, String key, ArchivedObjectMetadata metadata) {
        long size = partSizeFor(stored, partSize);
        String uploadId = s3.createMultipartUpload(request -> request.bucket(config.bucket())
                        .key(key)
                        .metadata(metadata.toS3())
                        .serverSideEncryption(config.sse().s3Name())
                        .ssekmsKeyId(config.kmsKeyId().orElse(null)))
                .uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (long offset = 0; offset < stored; offset += size) {
                int number = parts.size() + 1;
                long length = Math.min(size, stored - offset);
                long from = offset;
                // a fresh stream for every attempt, so that the SDK can send a part again after a failed attempt
                RequestBody body = RequestBody.fromContentProvider(
                        () -> slice(staged, from, length), length, "application/octet-stream");
                UploadPartResponse part = s3.uploadPart(
                        request -> request.bucket(config.bucket())
                                .key(key)
                                .uploadId(uploadId)
                                .partNumber(number)
                                .contentLength(length),
                        body);
                parts.add(CompletedPart.builder()
                        .partNumber(number)
                        .eTag(part.eTag())
                        .checksumCRC32(part.checksumCRC32())
                        .build());
                log.debug("dump {}: part {} of {} bytes sent", key, number, length);
            }
            s3.completeMultipartUpload(request -> request.bucket(config.bucket())
                    .key(key)
                    .uploadId(uploadId)
                    .multipartUpload(upload -> upload.parts(parts))
                    .ifNoneMatch("*"));
            log.info("dump {} sent in {} parts of up to {} bytes", key, parts.size(), size);
        } catch (RuntimeException e) {
            abort(key, uploadId);
            throw e;
        }
    }

    private void abort(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(
                    request -> request.bucket(config.bucket()).key(key).uploadId(uploadId));
        } catch (SdkException | UncheckedIOException e) {
            log.warn(
                    "could not abort the failed upload {} of {}: its parts stay in s3://{} until a lifecycle rule "
                            + "(AbortIncompleteMultipartUpload) removes them: {}",
                    uploadId,
                    key,
                    config.bucket(),
                    e.getMessage());
        }
    }

    private static InputStream slice(Path file, long offset, long length) {
        try {
            return new FileSlice(FileChannel.open(file), offset, length);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** {@code length} bytes of a file from {@code offset}, read with positional reads. */
    private static final class FileSlice extends InputStream {
        private final FileChannel channel;
        private long position;
        private long remaining;

        FileSlice(FileChannel channel, long offset, long length) {
            this.channel = channel;
            this.position = offset;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int read = channel.read(ByteBuffer.wrap(buffer, offset, (int) Math.min(length, remaining)), position);
            if (read == -1) {
                throw new EOFException("the staged dump ended " + remaining + " bytes early");
            }
            position += read;
            remaining -= read;
            return read;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** The configured part size, or the smallest whole MiB for which S3's 10,000 parts hold the file. */
    static long partSizeFor(long stored, long configured) {
        long mib = 1024 * 1024;
        long fewestMib = -Math.floorDiv(-stored, MAX_PARTS * mib);
        return Math.max(configured, fewestMib * mib);
    }

    /** Every dump in the folder, in S3's (name) order; objects whose names are not dump names are left out. */
    public List<DumpPolicy.Stored> list() {
        List<DumpPolicy.Stored> dumps = new ArrayList<>();
        ListObjectsV2Request request = ListObjectsV2Request.builder()
                .bucket(config.bucket())
                .prefix(layout.dumpFolder())
                .build();
        try {
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(request)) {
                for (S3Object object : page.contents()) {
                    String file = object.key().substring(layout.dumpFolder().length());
                    try {
                        dumps.add(new DumpPolicy.Stored(
                                DumpName.parse(withoutSuffix(file)), object.key(), object.size()));
                    } catch (IllegalArgumentException e) {
                        log.debug("not a dump, left alone: {}", object.key());
                    }
                }
            }
        } catch (SdkException | UncheckedIOException e) {
            throw new DumpException("could not list the dumps in " + location() + ": " + e.getMessage(), e);
        }
        return dumps;
    }

    /**
     * Restores {@code dump} to {@code target}, verified against the SHA-256 and size recorded when it was pushed.
     *
     * @throws DumpException when it cannot be read, or its content is not what was archived; {@code target} then
     *         does not appear
     */
    public void fetch(ArchivedDump dump, Path target) {
        String where = "s3://" + config.bucket() + "/" + dump.key();
        ResponseInputStream<GetObjectResponse> object;
        try {
            object = s3.getObject(request -> request.bucket(config.bucket()).key(dump.key()));
        } catch (NoSuchKeyException e) {
            throw new DumpException("dump " + dump.name() + " is gone from " + where + " (purged meanwhile?)", e);
        } catch (SdkException | UncheckedIOException e) {
            throw new DumpException(
                    "could not fetch dump " + dump.name() + " from " + where + ": " + e.getMessage(), e);
        }
        try (object) {
            ArchivedObjectMetadata metadata = ArchivedObjectMetadata.fromS3(
                            object.response().metadata())
                    .orElseThrow(() -> new DumpException(
                            "refusing to restore dump " + dump.name() + " from " + where + ": the object lacks "
                                    + "Steward's checksum metadata (not written by Steward, or changed since)"));
            // the agent's own directory (the state directory): its own user's, as every file in it
            try (HeldDirectory directory =
                    HeldDirectory.open(target.toAbsolutePath().getParent(), FileOwner.current())) {
                VerifiedTransfer.restore(
                        object, metadata, directory, target.getFileName().toString());
            }
        } catch (VerifiedTransfer.DamagedObjectException e) {
            throw new DumpException(
                    "refusing to restore dump " + dump.name() + " from " + where + ": " + e.getMessage(), e);
        } catch (IOException | SdkException e) {
            throw new DumpException(
                    "could not restore dump " + dump.name() + " from " + where + " to " + target + ": " + e, e);
        }
    }

    /** Deletes the objects of {@code dumps}, one by one (a purge deletes a handful an hour at most). */
    public void delete(List<ArchivedDump> dumps) {
        for (ArchivedDump dump : dumps) {
            try {
                s3.deleteObject(request -> request.bucket(config.bucket()).key(dump.key()));
            } catch (SdkException | UncheckedIOException e) {
                throw new DumpException(
                        "could not delete expired dump " + dump.name() + " from s3://" + config.bucket() + "/"
                                + dump.key() + ": " + e.getMessage(),
                        e);
            }
            log.info(
                    "purged dump {} ({}, expired {})",
                    dump.name(),
                    dump.retention().name().toLowerCase(Locale.ROOT),
                    dump.expiresAt());
        }
    }

    /** The key's ending for a compression, as its command-line tool names its files. */
    static String suffix(BackupStoreConfig.Compression compression) {
        return switch (compression) {
            case ZSTD -> ".zst";
            case LZ4 -> ".lz4";
            case NONE -> "";
        };
    }

    private static String withoutSuffix(String file) {
        for (BackupStoreConfig.Compression compression : BackupStoreConfig.Compression.values()) {
            String suffix = suffix(compression);
            if (!suffix.isEmpty() && file.endsWith(suffix)) {
                return file.substring(0, file.length() - suffix.length());
            }
        }
        return file;
    }
}
