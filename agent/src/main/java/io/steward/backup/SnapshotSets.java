package io.steward.backup;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.steward.config.RetentionClass;
import io.steward.config.SnapshotConfig;
import io.steward.engine.Engine;
import io.steward.engine.SnapshotHold;
import io.steward.engine.SnapshotMarks;
import io.steward.engine.VolumeSnapshots;
import io.steward.storage.DataVolume;
import io.steward.storage.Freezer;
import io.steward.storage.Frozen;
import io.steward.storage.VolumeFinder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CreateSnapshotResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotState;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * Takes snapshot sets: the engine's hold ({@link io.steward.engine.SnapshotHold}), every data volume's filesystem
 * frozen only around the {@code CreateSnapshot} calls, thawed as soon as the snapshots are pending, the hold
 * released, the snapshots tagged, and the set recorded in the catalog; EBS completes the snapshots in the background.
 *
 * <p>A failure at any step marks the set failed in the catalog, deletes the snapshots it had created, counts in
 * {@code steward_snapshot_failures}, and leaves no filesystem frozen (the freezer guarantees the thaw).
 */
public final class SnapshotSets implements AutoCloseable {
    public static final String TAKEN = "steward_snapshot_sets";
    public static final String FAILURES = "steward_snapshot_failures";
    public static final String TAG_PREFIX = "steward:";

    private static final Logger log = LoggerFactory.getLogger(SnapshotSets.class);
    /** To the millisecond: a requested set and a scheduled one can start in the same second, and ids must differ. */
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static final Duration COMPLETION_POLL = Duration.ofSeconds(5);

    /** Who takes the set, as the HA loop sees it right now. */
    public record Taker(String cluster, String node, String role, long epoch, String availabilityZone) {}

    private final SnapshotConfig config;
    private final Engine engine;
    private final Ec2Client ec2;
    private final SnapshotCatalog catalog;
    private final VolumeFinder volumes;
    private final Freezer freezer;
    private final Clock clock;
    private final Counter taken;
    private final Counter failures;
    private final ExecutorService completion = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "snapshot-completion");
        thread.setDaemon(true);
        return thread;
    });

    public SnapshotSets(
            SnapshotConfig config,
            Engine engine,
            Ec2Client ec2,
            SnapshotCatalog catalog,
            VolumeFinder volumes,
            Freezer freezer,
            Clock clock,
            MetricRegistry registry) {
        this.config = config;
        this.engine = engine;
        this.ec2 = ec2;
        this.catalog = catalog;
        this.volumes = volumes;
        this.freezer = freezer;
        this.clock = clock;
        this.taken = registry.counter(TAKEN);
        this.failures = registry.counter(FAILURES);
    }

    /**
     * Takes a set now and returns it once its snapshots are pending and it is in the catalog; completion is awaited
     * in the background and recorded in the catalog.
     *
     * @throws SnapshotException naming the step that failed; the set is then recorded as failed
     */
    public synchronized SnapshotSet take(RetentionClass retention, Taker taker) {
        Instant now = clock.instant();
        String id = ID_TIME.format(now) + "-" + taker.node();
        List<DataVolume> found;
        SnapshotSet set;
        try {
            found = volumes.volumesHolding(engine.dataPaths());
            if (found.isEmpty()) {
                throw new SnapshotException("no data volume found under " + engine.dataPaths());
            }
            set = new SnapshotSet(
                    id,
                    taker.cluster(),
                    taker.node(),
                    taker.role(),
                    taker.epoch(),
                    taker.availabilityZone(),
                    retention,
                    now,
                    Optional.empty(),
                    now.plus(config.retentionOf(retention)),
                    SnapshotSet.Status.TAKING,
                    Optional.empty(),
                    -1,
                    -1,
                    0,
                    0,
                    found.stream().map(v -> volume(v, "")).toList(),
                    Map.of());
            catalog.save(set);
        } catch (RuntimeException e) {
            failures.inc();
            String why = e instanceof SdkException sdk ? reason(sdk) : e.getMessage();
            log.error("snapshot set {} not started: {}", id, why);
            throw new SnapshotException("snapshot set " + id + " not started: " + why, e);
        }
        log.info(
                "snapshot set {} ({}) of {} on {} [epoch {}]",
                id,
                retention.name().toLowerCase(Locale.ROOT),
                describe(found),
                taker.role(),
                taker.epoch());
        List<String> created = new ArrayList<>();
        try (SnapshotHold hold = hold(id)) {
            Frozen<List<String>> snapshots = freezer.whileFrozen(
                    found.stream().map(DataVolume::mountPoint).distinct().toList(),
                    () -> createSnapshots(set, found, hold, created));
            SnapshotMarks marks = hold.release();
            List<SnapshotVolume> taken = new ArrayList<>();
            for (int i = 0; i < found.size(); i++) {
                taken.add(volume(found.get(i), snapshots.value().get(i)));
            }
            ec2.createTags(r -> r.resources(snapshots.value())
                    .tags(tag("end-position", Long.toString(marks.endPosition())), tag("status", "pending")));
            SnapshotSet pending = new SnapshotSet(
                    id,
                    set.cluster(),
                    set.node(),
                    set.role(),
                    set.epoch(),
                    set.availabilityZone(),
                    retention,
                    now,
                    Optional.of(clock.instant()),
                    set.expiresAt(),
                    SnapshotSet.Status.PENDING,
                    Optional.empty(),
                    marks.startPosition(),
                    marks.endPosition(),
                    marks.timeline(),
                    snapshots.frozenFor().toMillis(),
                    taken,
                    marks.files());
            catalog.save(pending);
            this.taken.inc();
            log.info(
                    "snapshot set {} pending: {}, frozen {} ms, consistent at position {}",
                    id,
                    String.join(", ", snapshots.value()),
                    snapshots.frozenFor().toMillis(),
                    marks.endPosition());
            completion.execute(() -> awaitCompletion(pending));
            return pending;
        } catch (Exception e) {
            String why = e instanceof SdkException sdk ? "EC2: " + reason(sdk) : e.getMessage();
            fail(set, created, why);
            throw new SnapshotException("snapshot set " + id + " failed: " + why, e);
        }
    }

    /** The engine's hold for a snapshot of its volumes; a database whose volumes are not its backup has none. */
    private SnapshotHold hold(String id) {
        return engine.capability(VolumeSnapshots.class)
                .orElseThrow(() -> new SnapshotException(
                        "this database's " + "volumes are not a backup of it: it takes no snapshot sets"))
                .holdForSnapshot(id);
    }

    private List<String> createSnapshots(
            SnapshotSet set, List<DataVolume> found, SnapshotHold hold, List<String> created) {
        for (DataVolume volume : found) {
            String description =
                    "steward " + set.cluster() + " " + set.node() + " " + volume.mountPoint() + " set " + set.id();
            CreateSnapshotResponse snapshot = ec2.createSnapshot(r -> r.volumeId(volume.volumeId())
                    .description(description)
                    .tagSpecifications(
                            spec -> spec.resourceType(ResourceType.SNAPSHOT).tags(tags(set, volume, hold))));
            if (snapshot.snapshotId() == null || snapshot.state() == SnapshotState.ERROR) {
                throw new SnapshotException(
                        "EC2 answered CreateSnapshot of " + volume.volumeId() + " without a usable snapshot (id "
                                + snapshot.snapshotId() + ", state " + snapshot.state() + ")");
            }
            created.add(snapshot.snapshotId());
        }
        return List.copyOf(created);
    }

    private List<Tag> tags(SnapshotSet set, DataVolume volume, SnapshotHold hold) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("Name", set.cluster() + "/" + set.node() + " " + set.id());
        values.put(TAG_PREFIX + "cluster", set.cluster());
        values.put(TAG_PREFIX + "node", set.node());
        values.put(TAG_PREFIX + "role", set.role());
        values.put(TAG_PREFIX + "epoch", Long.toString(set.epoch()));
        values.put(TAG_PREFIX + "set-id", set.id());
        values.put(TAG_PREFIX + "retention", set.retention().name().toLowerCase(Locale.ROOT));
        values.put(TAG_PREFIX + "expires-at", set.expiresAt().toString());
        values.put(TAG_PREFIX + "start-position", Long.toString(hold.startPosition()));
        values.put(TAG_PREFIX + "timeline", Long.toString(hold.timeline()));
        values.put(TAG_PREFIX + "mount-point", volume.mountPoint().toString());
        values.put(TAG_PREFIX + "device", volume.device());
        return values.entrySet().stream()
                .map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build())
                .toList();
    }

    private static Tag tag(String name, String value) {
        return Tag.builder().key(TAG_PREFIX + name).value(value).build();
    }

    private void awaitCompletion(SnapshotSet set) {
        List<String> ids =
                set.volumes().stream().map(SnapshotVolume::snapshotId).toList();
        long deadline = System.nanoTime() + config.completionTimeout().toNanos();
        try {
            while (true) {
                List<Snapshot> states =
                        ec2.describeSnapshots(r -> r.snapshotIds(ids)).snapshots();
                Optional<Snapshot> broken = states.stream()
                        .filter(s -> s.state() == SnapshotState.ERROR)
                        .findFirst();
                if (broken.isPresent()) {
                    fail(
                            set,
                            ids,
                            "snapshot " + broken.get().snapshotId() + " went into state error: "
                                    + broken.get().stateMessage());
                    return;
                }
                if (states.size() == ids.size()
                        && states.stream().allMatch(s -> s.state() == SnapshotState.COMPLETED)) {
                    ec2.createTags(r -> r.resources(ids).tags(tag("status", "completed")));
                    catalog.save(set.withStatus(SnapshotSet.Status.COMPLETED, Optional.empty()));
                    log.info("snapshot set {} completed", set.id());
                    return;
                }
                if (System.nanoTime() > deadline) {
                    fail(
                            set,
                            ids,
                            "not completed within " + config.completionTimeout().toMinutes() + " min");
                    return;
                }
                TimeUnit.MILLISECONDS.sleep(COMPLETION_POLL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.info("stopped waiting for snapshot set {}; it stays pending in the catalog", set.id());
        } catch (RuntimeException e) {
            fail(
                    set,
                    ids,
                    "while waiting for completion: " + (e instanceof SdkException sdk ? reason(sdk) : e.getMessage()));
        }
    }

    /** Records the set as failed and deletes what it had created; never throws. */
    private void fail(SnapshotSet set, List<String> snapshotIds, String why) {
        failures.inc();
        log.error("snapshot set {} failed: {}", set.id(), why);
        for (String snapshotId : snapshotIds) {
            deleteSnapshot(snapshotId);
        }
        try {
            catalog.save(set.withStatus(SnapshotSet.Status.FAILED, Optional.of(why)));
        } catch (RuntimeException e) {
            log.error("could not record snapshot set {} as failed: {}", set.id(), e.getMessage());
        }
    }

    /** Deletes one snapshot; one that is already gone is fine. */
    boolean deleteSnapshot(String snapshotId) {
        try {
            ec2.deleteSnapshot(r -> r.snapshotId(snapshotId));
            return true;
        } catch (Ec2Exception e) {
            if ("InvalidSnapshot.NotFound".equals(e.awsErrorDetails().errorCode())) {
                return true;
            }
            log.warn("could not delete snapshot {}: {}", snapshotId, reason(e));
            return false;
        } catch (SdkException e) {
            log.warn("could not delete snapshot {}: {}", snapshotId, reason(e));
            return false;
        }
    }

    /**
     * Deletes the sets whose retention has passed (their snapshots, then their catalog entries; the newest restorable
     * set is always kept), then hands {@code oldestKept} the files of the oldest restorable set left, so that what the
     * engine archives beside the sets and only the deleted ones needed can go too.
     *
     * @return the ids of the sets deleted
     */
    public synchronized List<String> purge(Consumer<Map<String, String>> oldestKept) {
        Instant now = clock.instant();
        List<SnapshotSet> sets = catalog.list();
        List<String> deleted = new ArrayList<>();
        for (SnapshotSet set : SnapshotPolicy.expired(now, sets)) {
            boolean allGone = set.volumes().stream()
                    .map(SnapshotVolume::snapshotId)
                    .filter(id -> !id.isEmpty())
                    .map(this::deleteSnapshot)
                    .reduce(true, Boolean::logicalAnd);
            if (allGone) {
                catalog.delete(set.id());
                deleted.add(set.id());
                log.info(
                        "purged snapshot set {} ({}, expired {})",
                        set.id(),
                        set.retention().name().toLowerCase(Locale.ROOT),
                        set.expiresAt());
            }
        }
        List<SnapshotSet> kept =
                sets.stream().filter(set -> !deleted.contains(set.id())).toList();
        SnapshotPolicy.oldestRestorable(kept).map(SnapshotSet::files).ifPresent(oldestKept);
        return deleted;
    }

    private static SnapshotVolume volume(DataVolume volume, String snapshotId) {
        return new SnapshotVolume(
                volume.volumeId(),
                snapshotId,
                volume.mountPoint().toString(),
                volume.device(),
                volume.sizeGib(),
                volume.paths().stream().map(Path::toString).toList());
    }

    private static String describe(List<DataVolume> found) {
        return found.stream()
                .map(v -> v.volumeId() + " (" + v.mountPoint() + ")")
                .collect(Collectors.joining(", "));
    }

    static String reason(SdkException e) {
        if (!(e instanceof AwsServiceException service)) {
            return e.getMessage();
        }
        if (service.awsErrorDetails() != null && service.awsErrorDetails().errorCode() != null) {
            return service.awsErrorDetails().errorCode() + ": "
                    + service.awsErrorDetails().errorMessage();
        }
        // the JDK's HTTP client hides the body of a 401 answer to a POST, and with it AWS's error code
        String hint = service.statusCode() == 401 || service.statusCode() == 403
                ? "AWS refused the request's credentials: check the instance role, and that aws.region is this node's region"
                : "no error details in the answer";
        return "HTTP " + service.statusCode() + " (" + hint + ")";
    }

    @Override
    public void close() {
        completion.shutdownNow();
    }
}
