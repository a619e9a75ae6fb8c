package io.steward.backup;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.steward.coordination.Json;
import io.steward.store.ArchiveLayout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
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
