package io.steward.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.steward.coordination.Json;
import io.steward.store.ArchiveLayout;
import io.steward.store.BackupStoreConfig;
import io.steward.store.S3Clients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The cluster's snapshot sets, one JSON object per set under {@code <prefix>/<cluster>/snapshots/<id>.json} in the
 * backup store, next to the engine's own archive that a restore replays after them.
 */
public final class SnapshotCatalog {
    private static final Pattern SET_ID = Pattern.compile("\\d{8}T\\d{6}(\\.\\d{3})?Z-[A-Za-z0-9._-]{1,63}");
    private static final String SUFFIX = ".json";

    private final S3Client s3;
    private final String bucket;
    private final ArchiveLayout layout;
    private final AtomicLong writes = new AtomicLong();

    public SnapshotCatalog(S3Client s3, String bucket, ArchiveLayout layout) {
        this.s3 = s3;
        this.bucket = bucket;
        this.layout = layout;
    }

    /**
     * The sets of {@code cluster} in {@code store}, oldest first, read with a client of their own: for a member that
     * takes no sets (and so keeps no client) but is asked for the cluster's list.
     *
     * @throws SnapshotException when the catalog cannot be read
     */
    public static List<SnapshotSet> list(BackupStoreConfig store, String cluster) {
        ArchiveLayout layout = new ArchiveLayout(store.prefix(), cluster);
        try (S3Client s3 = S3Clients.create(store)) {
            return new SnapshotCatalog(s3, store.bucket(), layout).list();
        } catch (SdkException | UncheckedIOException e) {
            throw new SnapshotException(
                    "cannot read the snapshot catalog in s3://" + store.bucket() + "/" + layout.snapshotFolder() + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** Whether {@code id} has the form of a set id; anything else is refused before it reaches S3. */
    public static void requireSetId(String id) {
        if (id == null || !SET_ID.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    "'" + id + "' is not a snapshot set id: expected the form 20261122T093000.123Z-db01");
        }
    }

    public void save(SnapshotSet set) {
        requireSetId(set.id());
        try {
            byte[] json = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(set);
            s3.putObject(
                    put -> put.bucket(bucket).key(key(set.id())).contentType("application/json"),
                    RequestBody.fromBytes(json));
            writes.incrementAndGet();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("snapshot set " + set.id() + " cannot be written as JSON", e);
        }
    }

    public Optional<SnapshotSet> find(String id) {
        requireSetId(id);
        try {
            byte[] json =
                    s3.getObjectAsBytes(get -> get.bucket(bucket).key(key(id))).asByteArray();
            return Optional.of(Json.mapper().readValue(json, SnapshotSet.class));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "the catalog entry of snapshot set " + id + " is not readable: " + e.getMessage(), e);
        }
    }

    /** Every set, oldest first. */
    public List<SnapshotSet> list() {
        List<SnapshotSet> sets = new ArrayList<>();
        ListObjectsV2Request request = ListObjectsV2Request.builder()
                .bucket(bucket)
                .prefix(layout.snapshotFolder())
                .build();
        for (ListObjectsV2Response page : s3.listObjectsV2Paginator(request)) {
            for (S3Object object : page.contents()) {
                String name = object.key().substring(layout.snapshotFolder().length());
                if (name.endsWith(SUFFIX)
                        && SET_ID.matcher(name.substring(0, name.length() - SUFFIX.length()))
                                .matches()) {
                    find(name.substring(0, name.length() - SUFFIX.length())).ifPresent(sets::add);
                }
            }
        }
        sets.sort(Comparator.comparing(SnapshotSet::createdAt).thenComparing(SnapshotSet::id));
        return sets;
    }

    public void delete(String id) {
        requireSetId(id);
        s3.deleteObject(delete -> delete.bucket(bucket).key(key(id)));
        writes.incrementAndGet();
    }

    /** How many entries this catalog object has written or deleted: a listing read at a lower count is out of date. */
    public long writes() {
        return writes.get();
    }

    private String key(String id) {
        return layout.snapshotFolder() + id + SUFFIX;
    }
}
