package io.steward.backup;

import com.codahale.metrics.MetricRegistry;
import io.steward.config.DumpConfig;
import io.steward.config.RetentionClass;
import io.steward.config.StewardConfig;
import io.steward.engine.DumpFile;
import io.steward.engine.DumpName;
import io.steward.engine.DumpSelector;
import io.steward.engine.Dumps;
import io.steward.engine.Engine;
import io.steward.engine.EngineException;
import io.steward.store.ArchiveLayout;
import io.steward.store.BackupStoreConfig;
import io.steward.store.S3Clients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The dumps of a running agent: taken by the engine, archived in the backup store, on schedule on the
 * designated member (the {@link BackupScheduler} fed by the HA loop) and on demand, purged by retention; and the
 * dump a new cluster starts from, fetched from this cluster's archive or, for a clone, from its source's.
 */
public final class DumpService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DumpService.class);

    private final S3Client s3;
    private final DumpArchive own;
    private final DumpArchive bootstrapSource;
    private final DumpConfig config;
    private final Engine engine;
    private final String self;
    private final Clock clock;
    private final DumpMetrics metrics;
    private final BackupScheduler scheduler;

    public DumpService(StewardConfig config, Engine engine, MetricRegistry registry) {
        BackupStoreConfig store = config.backup()
                .store()
                .orElseThrow(() -> new IllegalStateException("dumps need the backup store (backup.store)"));
        this.s3 = S3Clients.create(store);
        long partSize = config.backup().dumps().partSize();
        this.own = new DumpArchive(s3, store, new ArchiveLayout(store.prefix(), config.cluster()), partSize);
        this.bootstrapSource = config.bootstrap()
                .cloneSource()
                .map(source -> new DumpArchive(s3, store, new ArchiveLayout(store.prefix(), source), partSize))
                .orElse(own);
        this.config = config.backup().dumps();
        this.engine = engine;
        this.self = config.node().name();
        this.clock = Clock.systemUTC();
        this.metrics = new DumpMetrics(registry);
        this.scheduler = new BackupScheduler(
                new BackupScheduler.Job() {
                    @Override
                    public String kind() {
                        return "dump";
                    }

                    @Override
                    public List<SnapshotPolicy.Taken> taken() {
                        return list().stream()
                                .map(dump -> new SnapshotPolicy.Taken(dump.takenAt(), dump.retention()))
                                .toList();
                    }

                    @Override
                    public void take(RetentionClass due, BackupScheduler.Observed now) {
                        takeNow();
                    }

                    @Override
                    public int purge() {
                        List<ArchivedDump> expired = DumpPolicy.expired(clock.instant(), list());
                        own.delete(expired);
                        return expired.size();
                    }
                },
                this.config.schedule(),
                this.config.onReplica(),
                self,
                clock);
    }

    /** Fed by the HA loop after every tick. */
    public BackupScheduler scheduler() {
        return scheduler;
    }

    /** Starts the schedule, when dumps are enabled ({@code backup.dumps}). */
    public void start() {
        if (config.enabled()) {
            scheduler.start();
        }
    }

    /**
     * Takes a dump on this node now and archives it (POST /dump, {@code steward dump}, the schedule). One at a time:
     * the engine's dump file is shared.
     *
     * @return the archived dump
     * @throws DumpException when the server is not running, or the dump or its upload failed
     */
    public synchronized ArchivedDump takeNow() {
        if (scheduler.runningServer().isEmpty()) {
            throw new DumpException(
                    "no dump taken: the database server on this node is not running as primary or replica");
        }
        try (DumpFile dump = engine.capability(Dumps.class)
                .orElseThrow(() -> new EngineException("this database is not backed up by dumps"))
                .dumpForBackup()) {
            DumpName name = new DumpName(clock.instant(), self, dump.format());
            own.push(dump.content(), name);
            metrics.archived(dump.size());
            return list().stream()
                    .filter(archived -> archived.name().equals(name.toString()))
                    .findFirst()
                    .orElseThrow(() ->
                            new DumpException("dump " + name + " was archived but is not listed in " + own.location()));
        } catch (EngineException e) {
            metrics.failed();
            throw new DumpException("no dump taken: " + e.getMessage(), e);
        } catch (IOException e) {
            metrics.failed();
            throw new DumpException("no dump taken: cannot read the engine's dump: " + e, e);
        } catch (DumpException e) {
            metrics.failed();
            throw e;
        }
    }

    /** This cluster's dumps, oldest first, with their classes and expiries. */
    public List<ArchivedDump> list() {
        return DumpPolicy.classify(own.list(), config.retention());
    }

    /**
     * Fetches the dump a new cluster starts from into {@code directory}, verified.
     *
     * @return the file, which the caller deletes once the engine has loaded it
     * @throws DumpException when there is no such dump or it cannot be fetched intact; nothing is left behind
     */
    public Path fetchForBootstrap(DumpSelector selector, Path directory) {
        ArchivedDump chosen = DumpPolicy.choose(
                DumpPolicy.classify(bootstrapSource.list(), config.retention()), selector, bootstrapSource.location());
        log.info(
                "creating the cluster from dump {} of {} (asked for: {}); fetching it",
                chosen.name(),
                bootstrapSource.location(),
                selector);
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new DumpException(
                    "cannot create " + directory + " to fetch dump " + chosen.name() + " into: " + e, e);
        }
        Path target = directory.resolve(chosen.name());
        bootstrapSource.fetch(chosen, target);
        return target;
    }

    @Override
    public void close() {
        scheduler.close();
        s3.close();
    }
}
