package io.steward.postgres.wal;

import io.steward.store.ArchiveLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Deletes archived WAL that no kept snapshot set needs any more. */
public final class WalPurge {
    private static final Logger log = LoggerFactory.getLogger(WalPurge.class);
    /** DeleteObjects takes at most 1000 keys. */
    private static final int BATCH = 1000;

    private final S3Client s3;
    private final String bucket;
    private final String folder;

    public WalPurge(S3Client s3, String bucket, ArchiveLayout layout) {
        this.s3 = s3;
        this.bucket = bucket;
        this.folder = layout.folder(WalFileName.FOLDER);
    }

    /**
     * Deletes the archived WAL that comes before the segment where a snapshot set starts, as its backup label says
     * (see {@link WalRetention#oldestNeededSegment}); nothing when it has no such label.
     *
     * @param setFiles the files of the oldest restorable set kept
     * @return how many objects were deleted
     */
    public int purgeBeforeSet(Map<String, String> setFiles) {
        return WalRetention.oldestNeededSegment(setFiles).map(this::purgeBefore).orElse(0);
    }

    /**
     * Deletes every archived file that comes before segment {@code oldestNeeded} (see {@link WalRetention#purgeable});
     * objects whose names are not WAL file names are left alone.
     *
     * @return how many objects were deleted
     */
    public int purgeBefore(String oldestNeeded) {
        new WalFileName(oldestNeeded);
        List<ObjectIdentifier> doomed = new ArrayList<>();
        ListObjectsV2Request request =
                ListObjectsV2Request.builder().bucket(bucket).prefix(folder).build();
        for (ListObjectsV2Response page : s3.listObjectsV2Paginator(request)) {
            for (S3Object object : page.contents()) {
                String name = object.key().substring(folder.length());
                if (isWalFileName(name) && WalRetention.purgeable(name, oldestNeeded)) {
                    doomed.add(ObjectIdentifier.builder().key(object.key()).build());
                }
            }
        }
        int deleted = 0;
        for (int from = 0; from < doomed.size(); from += BATCH) {
            List<ObjectIdentifier> batch = doomed.subList(from, Math.min(doomed.size(), from + BATCH));
            DeleteObjectsResponse response = s3.deleteObjects(
                    r -> r.bucket(bucket).delete(d -> d.objects(batch).quiet(true)));
            if (!response.errors().isEmpty()) {
                throw new IllegalStateException(
                        "WAL purge: S3 refused to delete " + response.errors().size() + " objects, e.g. "
                                + response.errors().get(0).key() + ": "
                                + response.errors().get(0).message());
            }
            deleted += batch.size();
        }
        if (deleted > 0) {
            log.info("purged {} archived WAL files before {}", deleted, oldestNeeded);
        }
        return deleted;
    }

    private static boolean isWalFileName(String name) {
        try {
            new WalFileName(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
