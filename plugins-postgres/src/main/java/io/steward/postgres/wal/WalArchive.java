package io.steward.postgres.wal;

import com.codahale.metrics.MetricRegistry;
import io.steward.files.HeldDirectory;
import io.steward.store.ArchiveLayout;
import io.steward.store.ArchivedObjectMetadata;
import io.steward.store.BackupStoreConfig;
import io.steward.store.S3Clients;
import io.steward.store.VerifiedTransfer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * PostgreSQL's WAL archive in the backup store, under {@code <prefix>/<cluster>/wal/}: {@link #push} is the body of
 * {@code archive_command}, {@link #fetch} of {@code restore_command}.
 *
 * <p>A push returns only after S3 acknowledged the upload (safety rule 6: PostgreSQL recycles a segment as soon as
 * {@code archive_command} succeeds). It never overwrites: an object that is already there with the same SHA-256 is
 * success without an upload (a retry after a lost acknowledgement), one with different content is an error. A fetch
 * writes the file only once its SHA-256 and size match what the push recorded, and only by an atomic rename, so
 * PostgreSQL never replays a damaged or half-written segment.
 */
public final class WalArchive implements AutoCloseable {
    /** Status codes of a conditional put that lost to another writer of the same key. */
    private static final int PRECONDITION_FAILED = 412;

    private static final int CONDITIONAL_REQUEST_CONFLICT = 409;

    private final BackupStoreConfig config;
    private final ArchiveLayout layout;
    private final Optional<ArchiveLayout> sourceLayout;
    private final S3Client s3;
    private final WalArchiveMetrics metrics;

    /** @param registry where the archive's counters go; a command-line run passes a registry of its own */
    public WalArchive(BackupStoreConfig store, String cluster, MetricRegistry registry) {
        this(store, cluster, Optional.empty(), registry);
    }

    /**
     * @param cloneSource for a cluster cloned from another: a file this cluster's archive does not hold is fetched
     *        from the source cluster's (read only), where the history before the clone's promotion lives
     */
    public WalArchive(BackupStoreConfig store, String cluster, Optional<String> cloneSource, MetricRegistry registry) {
        this.config = store;
        this.layout = new ArchiveLayout(store.prefix(), cluster);
        this.sourceLayout = cloneSource.map(source -> new ArchiveLayout(store.prefix(), source));
        this.s3 = S3Clients.create(store);
        this.metrics = new WalArchiveMetrics(registry);
    }

    /**
     * Archives one file (PostgreSQL's {@code %p}) as this process's user reads it, not following a link; its name
     * must be a {@link WalFileName}.
     */
    public PushResult push(Path file) throws WalArchiveException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        try (InputStream content = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return push(name, content);
        } catch (IOException e) {
            throw new WalArchiveException("could not archive " + name + ": cannot read " + file + ": " + e, e);
        }
    }

    /** Archives {@code content} as the file {@code fileName}, which must be a {@link WalFileName}; reads it once. */
    public PushResult push(String fileName, InputStream content) throws WalArchiveException {
        try (StagedUpload staged = stage(fileName, content)) {
            return upload(staged);
        }
    }

    /**
     * The first half of a push: reads {@code content} once, compressed into a private temporary file while its
     * SHA-256 and size are taken, so that each byte is handled once however it arrives. Nothing is sent yet.
     */
    StagedUpload stage(String fileName, InputStream content) throws WalArchiveException {
        return countingFailures(() -> {
            WalFileName name = fileName(fileName);
            Path file;
            try {
                file = Files.createTempFile("steward-wal-push-" + name + "-", ".tmp");
            } catch (IOException e) {
                throw new WalArchiveException(
                        "could not archive " + name + ": no temporary file for its compressed copy: " + e, e);
            }
            try {
                return new StagedUpload(name, file, VerifiedTransfer.compress(content, file, config.compression()));
            } catch (IOException e) {
                VerifiedTransfer.deleteQuietly(file);
                throw new WalArchiveException("could not archive " + name + ": cannot read it: " + e, e);
            } catch (RuntimeException e) {
                VerifiedTransfer.deleteQuietly(file);
                throw e;
            }
        });
    }

    /** The second half of a push: uploads what {@link #stage} prepared, never over another object. */
    PushResult upload(StagedUpload staged) throws WalArchiveException {
        return countingFailures(() -> {
            PushResult result = put(staged);
            metrics.pushed(result instanceof PushResult.Uploaded uploaded ? uploaded.size() : 0);
            return result;
        });
    }

    /**
     * A push of content that this archive has already stored under {@code fileName}, as {@code archived}, with the
     * outcome {@code storedBy} (an upload ahead of the request): {@code content} is read for its SHA-256 and size
     * only, neither compressed nor sent again. The same content succeeds as {@code storedBy} did; other content is
     * refused as any push that finds other content under its name.
     */
    PushResult confirmStored(String fileName, InputStream content, ArchivedObjectMetadata archived, PushResult storedBy)
            throws WalArchiveException {
        return countingFailures(() -> {
            WalFileName name = fileName(fileName);
            ArchivedObjectMetadata offered;
            try {
                offered = VerifiedTransfer.measure(content, config.compression());
            } catch (IOException e) {
                throw new WalArchiveException("could not archive " + name + ": cannot read it: " + e, e);
            }
            if (!offered.sameContent(archived)) {
                throw differentContent(name, location(storedBy.key()), archived, offered);
            }
            return storedBy;
        });
    }

    private interface PushStep<T> {
        T run() throws WalArchiveException;
    }

    private <T> T countingFailures(PushStep<T> step) throws WalArchiveException {
        try {
            return step.run();
        } catch (WalArchiveException e) {
            metrics.pushFailed();
            throw e;
        }
    }

    /**
     * Restores one file (PostgreSQL's {@code %f}) to {@code destination} ({@code %p}) with this process's rights,
     * through the destination's directory held open (see {@link HeldDirectory#openForCaller}).
     *
     * @return {@link FetchResult.NotFound} when the archive has no such file
     */
    public FetchResult fetch(String name, Path destination) throws WalArchiveException {
        Path target = destination.toAbsolutePath();
        try (HeldDirectory directory = HeldDirectory.openForCaller(target.getParent())) {
            return fetch(name, directory, target.getFileName().toString());
        } catch (IOException e) {
            metrics.fetchFailed();
            throw new WalArchiveException(
                    "could not restore " + name + ": cannot write into " + target.getParent() + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * Restores one file (PostgreSQL's {@code %f}) to {@code targetName} in {@code directory} ({@code %p}), verified
     * and durable: the file appears only whole, and belongs to the directory's files' owner.
     *
     * @return {@link FetchResult.NotFound} when the archive has no such file
     */
    public FetchResult fetch(String name, HeldDirectory directory, String targetName) throws WalArchiveException {
        try {
            FetchResult result = download(name, directory, targetName);
            if (result instanceof FetchResult.Restored) {
                metrics.fetched();
            }
            return result;
        } catch (WalArchiveException e) {
            metrics.fetchFailed();
            throw e;
        }
    }

    private PushResult put(StagedUpload staged) throws WalArchiveException {
        WalFileName name = staged.name();
        ArchivedObjectMetadata metadata = staged.metadata();
        String key = name.keyIn(layout);
        String where = location(key);
        try {
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
                s3.putObject(request, RequestBody.fromFile(staged.file()));
            } catch (S3Exception e) {
                if (e.statusCode() != PRECONDITION_FAILED && e.statusCode() != CONDITIONAL_REQUEST_CONFLICT) {
                    throw e;
                }
                HeadObjectResponse winner = head(key)
                        .orElseThrow(() -> new WalArchiveException(
                                "could not archive " + name + " to " + where
                                        + ": S3 refused the upload because the object exists, but it cannot be read",
                                e));
                return alreadyArchived(name, where, key, metadata, winner);
            }
            return new PushResult.Uploaded(key, metadata.size(), Files.size(staged.file()));
        } catch (SdkException | UncheckedIOException e) {
            throw new WalArchiveException("could not archive " + name + " to " + where + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new WalArchiveException("could not archive " + name + " to " + where + ": " + e, e);
        }
    }

    private PushResult alreadyArchived(
            WalFileName name, String where, String key, ArchivedObjectMetadata ours, HeadObjectResponse existing)
            throws WalArchiveException {
        Optional<ArchivedObjectMetadata> theirs = ArchivedObjectMetadata.fromS3(existing.metadata());
        if (theirs.isEmpty()) {
            throw new WalArchiveException(
                    "refusing to overwrite " + where + " with " + name + ": the object is already "
                            + "there without Steward's checksum metadata (not written by wal-push); move it away by hand if it "
                            + "is not needed");
        }
        if (!theirs.get().sameContent(ours)) {
            throw differentContent(name, where, theirs.get(), ours);
        }
        return new PushResult.AlreadyArchived(key);
    }

    private static WalArchiveException differentContent(
            WalFileName name, String where, ArchivedObjectMetadata archived, ArchivedObjectMetadata offered) {
        return new WalArchiveException("refusing to overwrite " + where + " with " + name + ": the archive already "
                + "holds different content under this name (archived: SHA-256 " + archived.sha256() + ", "
                + archived.size() + " bytes; this file: SHA-256 " + offered.sha256() + ", " + offered.size()
                + " bytes). Two servers may be archiving to the same cluster folder.");
    }

    private Optional<HeadObjectResponse> head(String key) {
        try {
            return Optional.of(
                    s3.headObject(request -> request.bucket(config.bucket()).key(key)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    private FetchResult download(String fileName, HeldDirectory directory, String targetName)
            throws WalArchiveException {
        FetchResult own = download(fileName, directory, targetName, layout);
        if (own instanceof FetchResult.NotFound && sourceLayout.isPresent()) {
            return download(fileName, directory, targetName, sourceLayout.get());
        }
        return own;
    }

    private FetchResult download(String fileName, HeldDirectory directory, String targetName, ArchiveLayout layout)
            throws WalArchiveException {
        WalFileName name = fileName(fileName);
        String key = name.keyIn(layout);
        String where = location(key);
        Path target = directory.path().resolve(targetName);
        ResponseInputStream<GetObjectResponse> object;
        try {
            object = s3.getObject(request -> request.bucket(config.bucket()).key(key));
        } catch (NoSuchKeyException e) {
            return new FetchResult.NotFound(config.bucket(), key);
        } catch (SdkException | UncheckedIOException e) {
            throw new WalArchiveException("could not fetch " + name + " from " + where + ": " + e.getMessage(), e);
        }
        try (object) {
            ArchivedObjectMetadata metadata = ArchivedObjectMetadata.fromS3(
                            object.response().metadata())
                    .orElseThrow(() -> new WalArchiveException(
                            "refusing to restore " + name + " from " + where + ": the object lacks "
                                    + "Steward's checksum metadata (not written by wal-push, or changed since)"));
            VerifiedTransfer.restore(object, metadata, directory, targetName);
            return new FetchResult.Restored(key, metadata.size());
        } catch (VerifiedTransfer.DamagedObjectException e) {
            throw new WalArchiveException("refusing to restore " + name + " from " + where + ": " + e.getMessage(), e);
        } catch (IOException | SdkException e) {
            throw new WalArchiveException(
                    "could not restore " + name + " from " + where + " to " + target + ": " + e, e);
        }
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

    /**
     * What the operator reads for a push of {@code fileName} that ended in {@code result}: the same sentence whether
     * the agent did the work or the command did it in its own process.
     */
    public String describe(String fileName, PushResult result) {
        String where = location(result.key());
        if (result instanceof PushResult.Uploaded uploaded) {
            return "archived " + fileName + " to " + where + " (" + uploaded.size() + " bytes, " + uploaded.storedSize()
                    + " stored)";
        }
        return "already archived with the same content: " + fileName + " at " + where;
    }

    /** What the operator reads for a fetch of {@code fileName} that restored it. */
    public static String describe(String fileName, FetchResult.Restored restored) {
        return "restored " + fileName + " (" + restored.size() + " bytes)";
    }

    @Override
    public void close() {
        s3.close();
    }
}
