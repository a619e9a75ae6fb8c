package io.steward.backup;

import com.codahale.metrics.MetricRegistry;
import io.steward.config.WalArchiveConfig;
import net.jpountz.lz4.LZ4Exception;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * PostgreSQL's WAL archive in S3: {@link #push} is the body of {@code archive_command}, {@link #fetch} of
 * {@code restore_command}.
 *
 * <p>A push returns only after S3 acknowledged the upload (safety rule 6: PostgreSQL recycles a segment as soon as
 * {@code archive_command} succeeds). It never overwrites: an object that is already there with the same SHA-256 is
 * success without an upload (a retry after a lost acknowledgement), one with different content is an error. A fetch
 * writes the file only once its SHA-256 and size match what the push recorded, and only by an atomic rename, so
 * PostgreSQL never replays a damaged or half-written segment.
 */
public final class WalArchive implements AutoCloseable {
    private static final int BUFFER_SIZE = 1 << 16;
    /** Status codes of a conditional put that lost to another writer of the same key. */
    private static final int PRECONDITION_FAILED = 412;
    private static final int CONDITIONAL_REQUEST_CONFLICT = 409;

    private final WalArchiveConfig config;
    private final ArchiveLayout layout;
    private final Optional<ArchiveLayout> sourceLayout;
    private final S3Client s3;
    private final WalArchiveMetrics metrics;

    /** @param registry where the archive's counters go; a command-line run passes a registry of its own */
    public WalArchive(WalArchiveConfig config, String cluster, MetricRegistry registry) {
        this(config, cluster, Optional.empty(), registry);
    }

    /**
     * @param cloneSource for a cluster cloned from another: a file this cluster's archive does not hold is fetched
     *        from the source cluster's (read only), where the history before the clone's promotion lives
     */
    public WalArchive(WalArchiveConfig config, String cluster, Optional<String> cloneSource, MetricRegistry registry) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("WAL archiving is disabled (backup.wal.enabled is false)");
        }
        this.config = config;
        this.layout = new ArchiveLayout(config.prefix(), cluster);
        this.sourceLayout = cloneSource.map(source -> new ArchiveLayout(config.prefix(), source));
        this.s3 = s3Client(config);
        this.metrics = new WalArchiveMetrics(registry);
    }

    /**
     * The S3 client the archive uses: credentials from the default chain (the instance role on EC2), bounded
     * retries, and a time limit on every attempt so that a stalled network fails the push instead of hanging it.
     */
    public static S3Client s3Client(WalArchiveConfig config) {
        Duration attemptTimeout = config.attemptTimeout();
        Duration connectTimeout = attemptTimeout.compareTo(Duration.ofSeconds(10)) < 0 ? attemptTimeout : Duration.ofSeconds(10);
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(connectTimeout)
                        .socketTimeout(attemptTimeout))
                .region(Region.of(config.region().orElseThrow(() ->
                        new IllegalArgumentException("backup.wal.region is required to reach S3"))))
                .forcePathStyle(config.pathStyle())
                .overrideConfiguration(o -> o
                        .retryStrategy(retry -> retry.maxAttempts(config.maxAttempts()))
                        .apiCallAttemptTimeout(attemptTimeout));
        config.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Archives one file (PostgreSQL's {@code %p}); its name must be a {@link WalFileName}. */
    public PushResult push(Path file) throws WalArchiveException {
        try {
            PushResult result = upload(file);
            metrics.pushed(result instanceof PushResult.Uploaded uploaded ? uploaded.size() : 0);
            return result;
        } catch (WalArchiveException e) {
            metrics.pushFailed();
            throw e;
        }
    }

    /**
     * Restores one file (PostgreSQL's {@code %f}) to {@code destination} ({@code %p}), verified.
     *
     * @return {@link FetchResult.NotFound} when the archive has no such file
     */
    public FetchResult fetch(String name, Path destination) throws WalArchiveException {
        try {
            FetchResult result = download(name, destination);
            if (result instanceof FetchResult.Restored) {
                metrics.fetched();
            }
            return result;
        } catch (WalArchiveException e) {
            metrics.fetchFailed();
            throw e;
        }
    }

    private PushResult upload(Path file) throws WalArchiveException {
        WalFileName name = fileName(file.getFileName() == null ? "" : file.getFileName().toString());
        String key = layout.walKey(name);
        String where = location(key);
        Path staged;
        try {
            staged = Files.createTempFile("steward-wal-push-" + name + "-", ".tmp");
        } catch (IOException e) {
            throw new WalArchiveException("could not archive " + name + ": no temporary file for its compressed copy: " + e, e);
        }
        try {
            WalObjectMetadata metadata = compress(file, staged, name);
            Optional<HeadObjectResponse> existing = head(key);
            if (existing.isPresent()) {
                return alreadyArchived(name, where, key, metadata, existing.get());
            }
            PutObjectRequest request = PutObjectRequest.builder()
                    .bucket(config.bucket())
                    .key(key)
                    .metadata(metadata.toS3())
                    .serverSideEncryption(config.sse().s3Name())
                    .ssekmsKeyId(config.kmsKeyId().orElse(null))
                    // never overwrite, even when another push of the same name slips in between the HEAD and here
                    .ifNoneMatch("*")
                    .build();
            try {
                s3.putObject(request, RequestBody.fromFile(staged));
            } catch (S3Exception e) {
                if (e.statusCode() != PRECONDITION_FAILED && e.statusCode() != CONDITIONAL_REQUEST_CONFLICT) {
                    throw e;
                }
                HeadObjectResponse winner = head(key).orElseThrow(() -> new WalArchiveException("could not archive " + name
                        + " to " + where + ": S3 refused the upload because the object exists, but it cannot be read", e));
                return alreadyArchived(name, where, key, metadata, winner);
            }
            return new PushResult.Uploaded(key, metadata.size(), Files.size(staged));
        } catch (SdkException e) {
            throw new WalArchiveException("could not archive " + name + " to " + where + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new WalArchiveException("could not archive " + name + " to " + where + ": " + e, e);
        } finally {
            deleteQuietly(staged);
        }
    }

    /** Reads the file once: compressed into {@code staged} while its SHA-256 and length are taken. */
    private WalObjectMetadata compress(Path file, Path staged, WalFileName name) throws WalArchiveException {
        MessageDigest sha256 = sha256();
        long size;
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha256);
             OutputStream out = CompressionStreams.compressing(config.compression(), Files.newOutputStream(staged))) {
            size = in.transferTo(out);
        } catch (IOException e) {
            throw new WalArchiveException("could not archive " + name + ": cannot read " + file + ": " + e, e);
        }
        return new WalObjectMetadata(config.compression(), HexFormat.of().formatHex(sha256.digest()), size);
    }

    private PushResult alreadyArchived(WalFileName name, String where, String key, WalObjectMetadata ours,
                                       HeadObjectResponse existing) throws WalArchiveException {
        Optional<WalObjectMetadata> theirs = WalObjectMetadata.fromS3(existing.metadata());
        if (theirs.isEmpty()) {
            throw new WalArchiveException("refusing to overwrite " + where + " with " + name + ": the object is already "
                    + "there without Steward's checksum metadata (not written by wal-push); move it away by hand if it "
                    + "is not needed");
        }
        if (!theirs.get().sha256().equals(ours.sha256()) || theirs.get().size() != ours.size()) {
            throw new WalArchiveException("refusing to overwrite " + where + " with " + name + ": the archive already "
                    + "holds different content under this name (archived: SHA-256 " + theirs.get().sha256() + ", "
                    + theirs.get().size() + " bytes; this file: SHA-256 " + ours.sha256() + ", " + ours.size()
                    + " bytes). Two servers may be archiving to the same cluster folder.");
        }
        return new PushResult.AlreadyArchived(key);
    }

    private Optional<HeadObjectResponse> head(String key) {
        try {
            return Optional.of(s3.headObject(request -> request.bucket(config.bucket()).key(key)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    private FetchResult download(String fileName, Path destination) throws WalArchiveException {
        FetchResult own = download(fileName, destination, layout);
        if (own instanceof FetchResult.NotFound && sourceLayout.isPresent()) {
            return download(fileName, destination, sourceLayout.get());
        }
        return own;
    }

    private FetchResult download(String fileName, Path destination, ArchiveLayout layout) throws WalArchiveException {
        WalFileName name = fileName(fileName);
        String key = layout.walKey(name);
        String where = location(key);
        Path target = destination.toAbsolutePath();
        ResponseInputStream<GetObjectResponse> object;
        try {
            object = s3.getObject(request -> request.bucket(config.bucket()).key(key));
        } catch (NoSuchKeyException e) {
            return new FetchResult.NotFound(config.bucket(), key);
        } catch (SdkException e) {
            throw new WalArchiveException("could not fetch " + name + " from " + where + ": " + e.getMessage(), e);
        }
        try (object) {
            WalObjectMetadata metadata = WalObjectMetadata.fromS3(object.response().metadata()).orElseThrow(() ->
                    new WalArchiveException("refusing to restore " + name + " from " + where + ": the object lacks "
                            + "Steward's checksum metadata (not written by wal-push, or changed since)"));
            restoreVerified(object, metadata, target, name, where);
            return new FetchResult.Restored(key, metadata.size());
        } catch (IOException | SdkException e) {
            throw new WalArchiveException("could not restore " + name + " from " + where + " to " + target + ": " + e, e);
        }
    }

    /**
     * Decompresses into a hidden file beside the target, checks it, makes it durable, then renames it: the target
     * either does not appear or appears whole and verified.
     */
    private void restoreVerified(InputStream object, WalObjectMetadata metadata, Path target, WalFileName name,
                                 String where) throws IOException, WalArchiveException {
        Path directory = target.getParent();
        Path temp = Files.createTempFile(directory, "." + name + ".", ".fetching");
        try {
            // the agent restores as root on the database's behalf: the file must belong to whoever owns pg_wal
            PosixFileAttributes folder = Files.readAttributes(directory, PosixFileAttributes.class);
            PosixFileAttributeView file = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
            file.setOwner(folder.owner());
            file.setGroup(folder.group());
            MessageDigest sha256 = sha256();
            long size;
            try (FileOutputStream out = new FileOutputStream(temp.toFile());
                 InputStream in = CompressionStreams.decompressing(metadata.compression(), object)) {
                size = copyAtMost(in, new DigestOutputStream(out, sha256), metadata.size(), name, where);
                out.getFD().sync();
            } catch (LZ4Exception e) {
                throw new WalArchiveException("refusing to restore " + name + " from " + where
                        + ": its content does not decompress as lz4 (" + e.getMessage() + "); the object was damaged or changed", e);
            }
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (size != metadata.size() || !actual.equals(metadata.sha256())) {
                throw new WalArchiveException("refusing to restore " + name + " from " + where + ": the content has SHA-256 "
                        + actual + " and " + size + " bytes, but was archived with SHA-256 " + metadata.sha256() + " and "
                        + metadata.size() + " bytes; the object was damaged or changed");
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // the rename itself must survive a crash too, or PostgreSQL could find the file gone after a restart
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true);
            }
        } finally {
            deleteQuietly(temp);
        }
    }

    /** Stops at one byte past the recorded size, so that a damaged or hostile object cannot fill the disk. */
    private static long copyAtMost(InputStream in, OutputStream out, long limit, WalFileName name, String where)
            throws IOException, WalArchiveException {
        byte[] buffer = new byte[BUFFER_SIZE];
        long total = 0;
        int read;
        while ((read = in.read(buffer)) >= 0) {
            total += read;
            if (total > limit) {
                throw new WalArchiveException("refusing to restore " + name + " from " + where + ": it decompresses to "
                        + "more than the " + limit + " bytes it was archived with; the object was damaged or changed");
            }
            out.write(buffer, 0, read);
        }
        out.flush();
        return total;
    }

    private static WalFileName fileName(String name) throws WalArchiveException {
        try {
            return new WalFileName(name);
        } catch (IllegalArgumentException e) {
            throw new WalArchiveException(e.getMessage(), e);
        }
    }

    private String location(String key) {
        return "s3://" + config.bucket() + "/" + key;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // a leftover temporary file is harmless; the outcome that matters was already decided
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
