package io.steward.backup;

import com.codahale.metrics.MetricRegistry;
import io.steward.aws.Ec2Clients;
import io.steward.config.RetentionClass;
import io.steward.config.StewardConfig;
import io.steward.engine.Engine;
import io.steward.engine.Peer;
import io.steward.storage.Ec2VolumeFinder;
import io.steward.storage.FilesystemFreezer;
import io.steward.store.ArchiveLayout;
import io.steward.store.BackupStoreConfig;
import io.steward.store.S3Clients;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The snapshot sets of a running agent, wired from its configuration: EC2 and S3 clients, the volume finder, the
 * freezer, the catalog in the backup store, and the scheduler fed by the HA loop.
 */
public final class SnapshotService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnapshotService.class);
    private final Ec2Client ec2;
    private final S3Client s3;
    private final FilesystemFreezer freezer;
    private final SnapshotSets sets;
    private final BackupScheduler scheduler;
    private final SnapshotCatalog catalog;
    private final Engine engine;
    private final SnapshotRestore.Target here;
    private final String cluster;
    private final String self;
    private final String zone;

    /**
     * @param oldestKept told, after each purge of expired sets, the files of the oldest restorable set left (see
     *        {@link SnapshotSets#purge})
     */
    public SnapshotService(
            StewardConfig config, Engine engine, Consumer<Map<String, String>> oldestKept, MetricRegistry registry) {
        String instanceId = config.node().instanceId().orElseThrow();
        String zone = config.node().availabilityZone().orElseThrow();
        BackupStoreConfig store = config.backup()
                .store()
                .orElseThrow(() -> new IllegalStateException(
                        "snapshot sets need the backup store (backup.store) for their catalog"));
        String region = config.node()
                .region()
                .or(store::region)
                .orElseThrow(() -> new IllegalStateException("snapshot sets need the AWS region: aws.region or IMDS"));
        this.ec2 = Ec2Clients.create(config.aws(), region);
        this.s3 = S3Clients.create(store);
        ArchiveLayout layout = new ArchiveLayout(store.prefix(), config.cluster());
        this.catalog = new SnapshotCatalog(s3, store.bucket(), layout);
        this.engine = engine;
        this.here = new SnapshotRestore.Target(
                instanceId,
                zone,
                config.storage().deviceLinks(),
                config.storage().restoreMounts());
        // the agent's own files must never be on a frozen filesystem
        List<Path> protectedPaths = List.of(
                Path.of(System.getProperty("java.io.tmpdir")), config.node().stateDir());
        this.freezer = new FilesystemFreezer(
                config.storage().freezeTimeout(),
                protectedPaths,
                config.node().stateDir().resolve("thaw-guard.log"),
                registry);
        this.sets = new SnapshotSets(
                config.backup().snapshots(),
                engine,
                ec2,
                catalog,
                new Ec2VolumeFinder(ec2, instanceId, config.storage()),
                freezer,
                Clock.systemUTC(),
                registry);
        this.cluster = config.cluster();
        this.self = config.node().name();
        this.zone = zone;
        this.scheduler = new BackupScheduler(
                new BackupScheduler.Job() {
                    @Override
                    public String kind() {
                        return "snapshot set";
                    }

                    @Override
                    public List<SnapshotPolicy.Taken> taken() {
                        return SnapshotPolicy.taken(catalog.list());
                    }

                    @Override
                    public void take(RetentionClass due, BackupScheduler.Observed now) {
                        sets.take(due, taker(now));
                    }

                    @Override
                    public int purge() {
                        return sets.purge(oldestKept).size();
                    }
                },
                config.backup().snapshots().schedule(),
                config.backup().snapshots().onReplica(),
                self,
                Clock.systemUTC());
    }

    public BackupScheduler scheduler() {
        return scheduler;
    }

    private SnapshotSets.Taker taker(BackupScheduler.Observed now) {
        return new SnapshotSets.Taker(
                cluster,
                self,
                now.status().role().name().toLowerCase(Locale.ROOT),
                now.view().epoch(),
                zone);
    }

    public void start() {
        scheduler.start();
    }

    /** Takes a set on this node now, whatever the schedule says (POST /snapshot, {@code steward snapshot}). */
    public SnapshotSet takeNow(RetentionClass retention) {
        return sets.take(
                retention,
                taker(scheduler
                        .runningServer()
                        .orElseThrow(() -> new SnapshotException(
                                "the database server on this node is not running as primary or replica"))));
    }

    public List<SnapshotSet> catalog() {
        return catalog.list();
    }

    /** See {@link SnapshotCatalog#writes()}. */
    public long catalogWrites() {
        return catalog.writes();
    }

    /**
     * Seeds this node as a replica of {@code primary} from the newest restorable set ({@code seed_replicas}).
     *
     * @return false when there is no set to seed from, so that the caller copies from the primary instead
     */
    public boolean seedReplica(Peer primary) {
        Optional<SnapshotSet> latest = catalog.list().stream()
                .filter(SnapshotSet::restorable)
                .max(Comparator.comparing(SnapshotSet::createdAt));
        if (latest.isEmpty()) {
            log.info("no completed snapshot set to seed this replica from; copying from {} instead", primary.name());
            return false;
        }
        log.info(
                "seeding this replica from snapshot set {} instead of copying from {}",
                latest.get().id(),
                primary.name());
        new SnapshotRestore(ec2, engine, line -> {}).restoreAsReplica(latest.get(), primary, here);
        return true;
    }

    @Override
    public void close() {
        scheduler.close();
        sets.close();
        freezer.close();
        ec2.close();
        s3.close();
    }
}
