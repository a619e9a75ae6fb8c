package io.steward.postgres.wal;

import io.steward.engine.ArchiveStatus;
import io.steward.engine.Archiving;
import io.steward.engine.Engine;
import io.steward.engine.EngineService;
import io.steward.engine.ServiceContext;
import io.steward.files.FileOwner;
import io.steward.store.ArchiveLayout;
import io.steward.store.BackupStoreConfig;
import io.steward.store.S3Clients;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * PostgreSQL's WAL archive in the running agent: the archive's backlog as gauges, the socket where wal-push and
 * wal-fetch hand their work to the agent's warm S3 client, and the purge of archived WAL that only expired snapshot
 * sets needed.
 */
public final class WalService implements EngineService {
    private static final Logger log = LoggerFactory.getLogger(WalService.class);

    /** Where the archive is; empty when archiving is off. */
    private final Optional<BackupStoreConfig> archivedIn;

    private final String cluster;
    private final Optional<WalSocketServer> socket;

    private WalService(Optional<BackupStoreConfig> archivedIn, String cluster, Optional<WalSocketServer> socket) {
        this.archivedIn = archivedIn;
        this.cluster = cluster;
        this.socket = socket;
    }

    /** Registers the gauges and, when archiving is on with a socket, opens the socket. */
    public static WalService start(ServiceContext context) {
        WalArchiveConfig wal = WalArchiveConfig.of(context.backupSection(WalArchiveConfig.SECTION), context.store());
        archiveGauges(context.engine().capability(Archiving.class), context);
        Optional<BackupStoreConfig> archivedIn = wal.enabled() ? context.store() : Optional.empty();
        return new WalService(archivedIn, context.cluster(), archivedIn.flatMap(store -> socket(wal, store, context)));
    }

    /** The archive's backlog as gauges, read from the engine at each scrape. */
    private static void archiveGauges(Optional<Archiving> archiving, ServiceContext context) {
        Supplier<Optional<ArchiveStatus>> status = () -> archiving.flatMap(Archiving::archiveStatus);
        context.metrics()
                .gauge(
                        "steward_wal_ready",
                        () -> () -> status.get().map(ArchiveStatus::ready).orElse(0));
        context.metrics()
                .gauge(
                        "steward_wal_oldest_ready_age_seconds",
                        () -> () -> status.get()
                                .flatMap(ArchiveStatus::oldestReadyAge)
                                .map(Duration::toSeconds)
                                .orElse(0L));
        context.metrics()
                .gauge(
                        "steward_wal_archive_failures",
                        () -> () -> status.get().map(ArchiveStatus::failures).orElse(0L));
    }

    /**
     * wal-push and wal-fetch handed to this agent over a Unix socket, so that PostgreSQL does not wait for a new
     * process to build an S3 client per segment; a socket that cannot be opened is reported and the commands then
     * work in their own processes.
     */
    private static Optional<WalSocketServer> socket(
            WalArchiveConfig wal, BackupStoreConfig store, ServiceContext context) {
        if (wal.socket().isEmpty()) {
            return Optional.empty();
        }
        WalArchive archive = new WalArchive(store, context.cluster(), context.clonedFrom(), context.metrics());
        Engine engine = context.engine();
        try {
            // the first data path is the data directory, where PostgreSQL keeps pg_wal (itself, or a link to it)
            return Optional.of(new WalSocketServer(
                    wal.socket().get(),
                    archive,
                    () -> engine.dataPaths().get(0).resolve("pg_wal"),
                    FileOwner.lookup(engine.serverUser()),
                    wal.pushAhead()));
        } catch (IOException | IllegalArgumentException e) {
            archive.close();
            log.error(
                    "cannot take WAL requests on {}: {}; wal-push and wal-fetch will work in their own processes",
                    wal.socket().get(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** Deletes the archived WAL that comes before the segment the oldest kept set starts from. */
    @Override
    public void oldestSetKept(Map<String, String> files) {
        if (archivedIn.isPresent()) {
            BackupStoreConfig store = archivedIn.get();
            try (S3Client s3 = S3Clients.create(store)) {
                new WalPurge(s3, store.bucket(), new ArchiveLayout(store.prefix(), cluster)).purgeBeforeSet(files);
            }
        }
    }

    @Override
    public void close() {
        socket.ifPresent(WalSocketServer::close);
    }
}
