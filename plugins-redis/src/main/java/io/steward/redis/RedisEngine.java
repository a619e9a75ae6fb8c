package io.steward.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.steward.engine.ArchiveStatus;
import io.steward.engine.CommandRunner;
import io.steward.engine.DataDirectories;
import io.steward.engine.DataState;
import io.steward.engine.DumpFile;
import io.steward.engine.DumpSelector;
import io.steward.engine.Endpoint;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.Peer;
import io.steward.engine.Role;
import io.steward.engine.ServerProcesses;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.SnapshotHold;
import io.steward.engine.SnapshotMarks;
import io.steward.files.FileOwner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one redis-server for the core: starts it daemonized as the data directory's owner from a redis.conf that
 * Steward rewrites on every change of role, turns it into a replica or the primary with {@code REPLICAOF}, and
 * fences it by pointing it at a primary that does not exist (it then refuses writes and keeps its data).
 */
final class RedisEngine implements Engine {
    private static final Logger log = LoggerFactory.getLogger(RedisEngine.class);
    /** Written into the data directory once it holds a complete dataset: a created cluster or a finished sync. */
    static final String MEMBER_MARKER = "steward-member";
    /** Redis's default dbfilename, which Steward's config keeps. */
    private static final String RDB_FILE = "dump.rdb";
    /** Hard links of finished dumps waiting for the core's upload. */
    private static final String BACKUP_LINK_PREFIX = "steward-backup-";
    private static final Pattern CHECK_RDB_KEYS = Pattern.compile("\\[info\\] (\\d+) keys read");
    private static final Duration QUICK_COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FENCE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration PID_FILE_GRACE = Duration.ofSeconds(5);

    private final EngineContext context;
    private final RedisSettings settings;
    private final CommandRunner runner;
    private final RedisMetrics metrics;
    private final Object connectionLock = new Object();
    private final Object clientLock = new Object();
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    RedisEngine(EngineContext context, RedisSettings settings) {
        this.context = context;
        this.settings = settings;
        this.runner = new CommandRunner(settings.osUser());
        this.metrics = new RedisMetrics(context.metrics());
    }

    // ---------------------------------------------------------------- observing

    @Override
    public EngineStatus probe() {
        DataState data = dataState();
        if (!serverProcessAlive()) {
            metrics.unknown();
            return EngineStatus.stopped(data, Optional.of(data == DataState.EMPTY ? "no dataset yet"
                    : data == DataState.INVALID ? invalidReason() : "redis-server is not running"));
        }
        ReplicationInfo info;
        try {
            // all default sections, not only replication: the metrics come from the same round trip
            RedisInfo reply = RedisInfo.parse(commands().info());
            info = ReplicationInfo.of(reply);
            metrics.update(reply, slowlogLength());
        } catch (RedisException | IllegalArgumentException e) {
            metrics.unknown();
            return EngineStatus.stopped(data, Optional.of("redis-server runs but does not answer: " + message(e)));
        }
        // a node whose first sync never finished must not be ranked: its offset says nothing about its data
        long position = data == DataState.VALID ? info.offset() : -1;
        if (info.primary()) {
            return new EngineStatus(Role.PRIMARY, data, position, 0, Optional.empty(), false, info.replicas(),
                    Optional.empty());
        }
        Optional<String> upstream = info.linkUp() ? info.upstream().map(Endpoint::toString) : Optional.empty();
        Optional<String> problem = info.linkUp() ? Optional.empty()
                : Optional.of(info.upstream().filter(u -> !u.equals(RedisConfig.NOWHERE))
                        .map(u -> "link to its upstream " + u + " is down or still syncing")
                        .orElse("read-only, following no primary"));
        return new EngineStatus(Role.REPLICA, data, position, 0, upstream, false, List.of(), problem);
    }

    private DataState dataState() {
        Path dir = settings.dataDir();
        if (Files.exists(dir.resolve(MEMBER_MARKER))) {
            return DataState.VALID;
        }
        return holdsForeignData() ? DataState.INVALID : DataState.EMPTY;
    }

    /** Redis data that Steward did not create: never thrown away by a clone without an operator's word. */
    private boolean holdsForeignData() {
        Path dir = settings.dataDir();
        return !Files.exists(RedisConfig.file(settings))
                && (Files.exists(dir.resolve("dump.rdb")) || Files.exists(dir.resolve("appendonlydir")));
    }

    private String invalidReason() {
        return settings.dataDir() + " holds Redis data that Steward did not create (no " + MEMBER_MARKER
                + "); move it away, or reinitialise this node to clone it again";
    }

    @Override
    public Endpoint endpoint() {
        return new Endpoint(context.advertisedHost(), settings.port());
    }

    @Override
    public boolean serverProcessAlive() {
        // Debian's redis-server is a link to redis-check-rdb, which is what the kernel names as the program
        return serverPid().filter(pid -> ServerProcesses.running(pid, "redis-server", "redis-check-rdb")).isPresent();
    }

    private Optional<Long> serverPid() {
        try {
            return Optional.of(Long.parseLong(Files.readString(RedisConfig.pidFile(settings)).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean electsOwnPrimary() {
        return false;
    }

    @Override
    public ReplicationStyle replicationStyle() {
        return new ReplicationStyle(settings.topology(), ReplicationStyle.CandidateOrder.PRIORITY_FIRST, false, false);
    }

    // ---------------------------------------------------------------- creating data

    @Override
    public void initializeNewCluster() {
        String step = "create a new Redis dataset";
        startServer(step, Optional.empty());
        markMember(step);
    }

    @Override
    public void cloneFrom(Peer primary) {
        String step = "clone from " + primary.name();
        settings.rdb().ifPresent(dump -> log.info("redis.rdb {} is not used: the cluster exists, so this node copies "
                + "the dataset of its primary {}", dump, primary.name()));
        startServer(step, Optional.of(primary.database()));
        awaitSynced(step, primary.database());
        markMember(step);
    }

    @Override
    public void reinitializeFrom(Peer primary) {
        String step = "reinitialize from " + primary.name();
        stopOrKill(step);
        closeConnection();
        DataDirectories.moveAside(settings.dataDir(), FileOwner.lookup(settings.osUser()), step).ifPresent(aside ->
                log.warn("Moved the data directory {} aside to {} before cloning it again", settings.dataDir(), aside));
        cloneFrom(primary);
    }

    private void markMember(String step) {
        writeOwnedFile(step, settings.dataDir().resolve(MEMBER_MARKER), "member of a Steward cluster\n");
    }

    private void awaitSynced(String step, Endpoint primary) {
        Instant deadline = Instant.now().plus(settings.startTimeout());
        while (true) {
            try {
                ReplicationInfo info = replicationInfo();
                if (!info.primary() && info.linkUp() && info.upstream().filter(primary::equals).isPresent()) {
                    return;
                }
            } catch (RedisException | IllegalArgumentException e) {
                // still loading what it received
            }
            requireAlive(step, Instant.MIN);
            if (Instant.now().isAfter(deadline)) {
                throw new EngineException(step + ": the first sync from " + primary + " did not finish within "
                        + settings.startTimeout().toSeconds() + " s: " + serverLogTail());
            }
            pause();
        }
    }

    // ---------------------------------------------------------------- starting and roles

    @Override
    public void startAsPrimary() {
        startServer("start as primary", Optional.empty());
    }

    @Override
    public void startAsReplica(Optional<Peer> primary) {
        startServer(primary.map(p -> "start as a replica of " + p.name()).orElse("start as a replica of no primary"),
                Optional.of(primary.map(Peer::database).orElse(RedisConfig.NOWHERE)));
    }

    @Override
    public void follow(Peer primary) {
        String step = "follow " + primary.name();
        if (!serverProcessAlive()) {
            startAsReplica(Optional.of(primary));
            return;
        }
        writeConfig(step, Optional.of(primary.database()));
        replicaOf(step, primary.database());
    }

    @Override
    public void promote() {
        String step = "promote";
        try {
            commands().replicaofNoOne();
        } catch (RedisException e) {
            throw new EngineException(step + ": REPLICAOF NO ONE failed: " + message(e), e);
        }
        writeConfig(step, Optional.empty());
        Instant deadline = Instant.now().plus(QUICK_COMMAND_TIMEOUT);
        while (!replicationInfo().primary()) {
            if (Instant.now().isAfter(deadline)) {
                throw new EngineException(step + ": the server still reports itself a replica");
            }
            pause();
        }
    }

    /**
     * Starts the server with the given role, or gives a running one that role. Returns once it answers commands
     * (with its dataset loaded).
     */
    private void startServer(String step, Optional<Endpoint> replicaOf) {
        if (serverProcessAlive()) {
            awaitReady(step);
            writeConfig(step, replicaOf);
            if (replicaOf.isPresent()) {
                replicaOf(step, replicaOf.get());
            } else {
                commands().replicaofNoOne();
            }
            return;
        }
        writeConfig(step, replicaOf);
        launch(step);
    }

    /** Starts redis-server from the config file as it is; returns once it answers with its dataset loaded. */
    private void launch(String step) {
        closeConnection();
        runner.runOrFail(step + ": redis-server", List.of(settings.binary("redis-server").toString(),
                RedisConfig.file(settings).toString()), Map.of(), QUICK_COMMAND_TIMEOUT);
        awaitReady(step);
        log.info("{}: redis-server answers on {}", step, endpoint());
    }

    private void awaitReady(String step) {
        Instant started = Instant.now();
        Instant deadline = started.plus(settings.startTimeout());
        RuntimeException last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                commands().ping();
                return;
            } catch (RedisException e) {
                // not listening yet, or loading its dataset
                last = e;
                closeConnection();
            }
            requireAlive(step, started);
            pause();
        }
        throw new EngineException(step + ": redis-server did not answer within " + settings.startTimeout().toSeconds()
                + " s (" + (last == null ? "no attempt" : message(last)) + "): " + serverLogTail());
    }

    /** A daemonizing server writes its pid file a moment after it forks: until then, only a long absence counts. */
    private void requireAlive(String step, Instant startedAt) {
        boolean gone = serverPid().isPresent() ? !serverProcessAlive()
                : Instant.now().isAfter(startedAt.plus(PID_FILE_GRACE));
        if (gone) {
            throw new EngineException(step + ": redis-server exited: " + serverLogTail());
        }
    }

    private void replicaOf(String step, Endpoint primary) {
        try {
            commands().replicaof(primary.host(), primary.port());
        } catch (RedisException e) {
            throw new EngineException(step + ": REPLICAOF " + primary.host() + " " + primary.port() + " failed: "
                    + message(e), e);
        }
    }

    // ---------------------------------------------------------------- fencing and stopping

    @Override
    public void fence() {
        String step = "fence";
        // Its own connection: the shared one may be busy in another thread's action.
        try (StatefulRedisConnection<String, String> fenceConnection = client().connect(uri(FENCE_TIMEOUT))) {
            fenceConnection.sync().replicaof(RedisConfig.NOWHERE.host(), RedisConfig.NOWHERE.port());
            log.warn("Fenced: redis-server is now a read-only replica of nobody ({})", RedisConfig.NOWHERE);
        } catch (RedisException e) {
            log.error("Fence: REPLICAOF failed ({}); killing redis-server", message(e));
            kill();
        }
        try {
            writeConfig(step, Optional.of(RedisConfig.NOWHERE));
        } catch (EngineException e) {
            // the running server is fenced; a restart is always given its role by the core
            log.warn("Fence: could not rewrite {}: {}", RedisConfig.file(settings), e.getMessage());
        }
    }

    @Override
    public List<String> fenceCommand() {
        List<String> cli = List.of(settings.binary("redis-cli").toString(), "-h", settings.localConnectHost(),
                "-p", Integer.toString(settings.port()), "REPLICAOF", RedisConfig.NOWHERE.host(),
                Integer.toString(RedisConfig.NOWHERE.port()));
        String auth = settings.password().map(password -> "REDISCLI_AUTH=\"$(cat "
                + CommandRunner.shellQuoted(List.of(passwordFile().toString())) + ")\" ").orElse("");
        settings.password().ifPresent(password -> writeOwnedFile("fence guard", passwordFile(), password));
        String kill = "kill -9 \"$(cat " + CommandRunner.shellQuoted(List.of(RedisConfig.pidFile(settings).toString()))
                + ")\"";
        return List.of("/bin/sh", "-c", auth + CommandRunner.shellQuoted(cli) + " | grep -q '^OK' || " + kill);
    }

    private Path passwordFile() {
        return context.stateDir().resolve("redis-password");
    }

    @Override
    public void stop() {
        stopOrKill("stop");
    }

    /** SHUTDOWN (a primary waits for its replicas to catch up first), and SIGKILL if it does not end in time. */
    private void stopOrKill(String step) {
        if (!serverProcessAlive()) {
            return;
        }
        try {
            commands().shutdown(settings.persistence() != RedisSettings.Persistence.NO);
        } catch (RedisException e) {
            // the connection closes as the server goes; an error reply is seen by the wait below
            log.debug("{}: SHUTDOWN ended with {}", step, message(e));
        }
        closeConnection();
        Instant deadline = Instant.now().plus(settings.stopTimeout());
        while (serverProcessAlive()) {
            if (Instant.now().isAfter(deadline)) {
                log.warn("{}: redis-server did not stop within {} s; killing it", step, settings.stopTimeout().toSeconds());
                kill();
                return;
            }
            pause();
        }
    }

    private void kill() {
        serverPid().flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
        closeConnection();
    }

    // ---------------------------------------------------------------- primary's replication settings

    @Override
    public void reconcileReplicationSlots(Set<String> memberNames) {
        // Redis keeps one replication backlog for every replica: nothing to keep per member.
    }

    @Override
    public void setSynchronousStandbys(List<String> memberNames) {
        if (!memberNames.isEmpty()) {
            throw new EngineException("Redis has no synchronous replication (WAIT is per client); turn "
                    + "ha.synchronous_mode off for a Redis cluster");
        }
    }

    @Override
    public Optional<ArchiveStatus> archiveStatus() {
        return Optional.empty();
    }

    @Override
    public String serverUser() {
        return settings.osUser();
    }

    @Override
    public List<Path> dataPaths() {
        return List.of(settings.dataDir());
    }

    /**
     * What Redis keeps on disk is crash-safe (an RDB file is renamed into place whole, an append-only file's torn
     * tail is dropped on load), and the freeze flushes what it has written: the hold need not stop writes. With RDB
     * alone, though, the volume holds only the last save, so a save that starts after the request is waited out
     * first; with the append-only file every acknowledged write is in it already.
     */
    @Override
    public SnapshotHold holdForSnapshot(String label) {
        String step = "snapshot " + label;
        if (!serverProcessAlive()) {
            throw new EngineException(step + ": redis-server is not running");
        }
        switch (settings.persistence()) {
            case NO -> throw new EngineException(step + ": redis.persistence is no, so Redis keeps nothing on its "
                    + "volume and a snapshot of it would restore an empty dataset; set persistence low or higher, or "
                    + "archive dumps (backup.dumps) instead");
            case LOW -> {
                freshSave(step);
                log.info("{}: BGSAVE finished, {} is current", step, RDB_FILE);
            }
            case NORMAL, HIGH -> log.info("{}: the append-only file holds every acknowledged write", step);
        }
        long start = replicationOffset(step);
        return new SnapshotHold() {
            @Override
            public long startPosition() {
                return start;
            }

            @Override
            public long timeline() {
                return 0;
            }

            @Override
            public SnapshotMarks release() {
                return new SnapshotMarks(start, replicationOffset(step), 0, Map.of());
            }

            @Override
            public void close() {
                // nothing was changed on the server to undo
            }
        };
    }

    private long replicationOffset(String step) {
        try {
            return ReplicationInfo.parse(commands().info("replication")).offset();
        } catch (RedisException | IllegalArgumentException e) {
            throw new EngineException(step + ": INFO replication failed: " + message(e), e);
        }
    }

    @Override
    public void recoverFromSnapshot(Map<String, String> files, Optional<Instant> targetTime, Consumer<String> progress) {
        throw new EngineException("restoring Redis from an EBS snapshot set is not supported yet");
    }

    @Override
    public void startReplicaFromSnapshot(Map<String, String> files, Peer primary) {
        throw new EngineException("seeding a Redis replica from an EBS snapshot set is not supported yet");
    }

    // ---------------------------------------------------------------- dumps

    @Override
    public DumpFile dumpForBackup() {
        String step = "dump for backup";
        if (!serverProcessAlive()) {
            throw new EngineException(step + ": redis-server is not running");
        }
        removeLeftoverBackupLinks(step);
        freshSave(step);
        // Redis renames each new dump over dump.rdb: a hard link keeps this one's inode for the upload.
        Path link = settings.dataDir().resolve(BACKUP_LINK_PREFIX + System.currentTimeMillis() + ".rdb");
        Path rdb = settings.dataDir().resolve(RDB_FILE);
        try {
            Files.createLink(link, rdb);
            if (settings.persistence() == RedisSettings.Persistence.NO) {
                // at persistence no a restarted server must come back empty, not from this dump
                Files.deleteIfExists(rdb);
            }
        } catch (IOException e) {
            throw new EngineException(step + ": cannot link " + rdb + " for the upload: " + e.getMessage(), e);
        }
        log.info("{}: BGSAVE finished, {} handed over for upload", step, link.getFileName());
        return new DumpFile(link, RedisSettings.RDB_FORMAT);
    }

    /** Returns once a save that started after this call has finished, within {@code redis.dump_timeout}. */
    private void freshSave(String step) {
        Instant deadline = Instant.now().plus(settings.dumpTimeout());
        awaitSave(step, bgsave(step, deadline), deadline);
    }

    /**
     * Starts a background save that begins after this call: a save already under way (a save point, another dump)
     * may hold older data, so it is waited out first; during an append-only file rewrite the save is scheduled.
     *
     * @return the server's count of saves before this one
     */
    private long bgsave(String step, Instant deadline) {
        while (true) {
            PersistenceInfo before = persistenceInfo(step);
            if (!before.saving()) {
                try {
                    commands().dispatch(CommandType.BGSAVE, new StatusOutput<>(StringCodec.UTF8),
                            new CommandArgs<>(StringCodec.UTF8).add("SCHEDULE"));
                    return before.saves();
                } catch (RedisException e) {
                    if (!message(e).contains("already in progress")) {
                        throw new EngineException(step + ": BGSAVE failed: " + message(e), e);
                    }
                    // a save point started a save between INFO and BGSAVE: wait for it like for any other
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new EngineException(step + ": a save already under way did not finish within "
                        + settings.dumpTimeout().toSeconds() + " s");
            }
            pause();
        }
    }

    private void awaitSave(String step, long savesBefore, Instant deadline) {
        boolean sawSaving = false;
        while (true) {
            PersistenceInfo now = persistenceInfo(step);
            sawSaving |= now.saving();
            if (!now.saving() && now.saves() > savesBefore) {
                if (!now.lastSaveOk()) {
                    throw new EngineException(step + ": BGSAVE failed: " + serverLogTail());
                }
                return;
            }
            if (sawSaving && !now.saving() && !now.lastSaveOk()) {
                throw new EngineException(step + ": BGSAVE failed: " + serverLogTail());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new EngineException(step + ": BGSAVE did not finish within " + settings.dumpTimeout().toSeconds()
                        + " s (redis.dump_timeout)");
            }
            pause();
        }
    }

    /** Links of dumps whose upload an agent crash interrupted: nothing will upload them any more. */
    private void removeLeftoverBackupLinks(String step) {
        try (var leftovers = Files.newDirectoryStream(settings.dataDir(), BACKUP_LINK_PREFIX + "*.rdb")) {
            for (Path leftover : leftovers) {
                Files.deleteIfExists(leftover);
                log.info("{}: removed {}, left by an earlier dump whose upload was interrupted", step, leftover.getFileName());
            }
        } catch (IOException e) {
            throw new EngineException(step + ": cannot clean " + settings.dataDir() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void initializeFromDump(Path dump) {
        String step = "create a new Redis dataset from dump " + dump.getFileName();
        if (dataState() != DataState.EMPTY || serverProcessAlive()) {
            throw new EngineException(step + ": " + settings.dataDir() + " already holds a dataset or a running server; "
                    + "a dump is only restored into an empty data directory");
        }
        try {
            prepareDataDirectory(step);
            Path rdb = settings.dataDir().resolve(RDB_FILE);
            copyOwned(step, dump, rdb);
            long keys = checkRdb(step, rdb);
            writeConfig(step, RedisConfig.linesLoadingDump(settings));
            launch(step);
            PersistenceInfo loaded = persistenceInfo(step);
            if (loaded.keysLoaded() + loaded.keysExpiredOnLoad() != keys) {
                throw new EngineException(step + ": redis-server loaded " + loaded.keysLoaded() + " keys (and dropped "
                        + loaded.keysExpiredOnLoad() + " expired ones) of the " + keys + " in the dump: " + serverLogTail());
            }
            if (settings.persistence() == RedisSettings.Persistence.NORMAL
                    || settings.persistence() == RedisSettings.Persistence.HIGH) {
                startAppendOnlyFile(step);
            }
            writeConfig(step, Optional.empty());
            markMember(step);
            log.info("{}: {} keys loaded ({} had expired), running as primary", step, loaded.keysLoaded(),
                    loaded.keysExpiredOnLoad());
        } catch (EngineException e) {
            stopOrKill(step);
            closeConnection();
            DataDirectories.moveAside(settings.dataDir(), FileOwner.lookup(settings.osUser()), step).ifPresent(aside -> log.warn("{} failed; moved what it "
                    + "wrote aside to {}, leaving the data directory empty", step, aside));
            throw e;
        }
    }

    /** Copies as the server's user's file: to a hidden name, synced, then renamed, so a crash leaves no half dump.rdb. */
    private void copyOwned(String step, Path from, Path to) {
        Path temporary = to.resolveSibling("." + to.getFileName() + ".restoring");
        try {
            Files.copy(from, temporary, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            Files.setOwner(temporary, owner());
            try (FileChannel file = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                file.force(true);
            }
            Files.move(temporary, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new EngineException(step + ": cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    /**
     * Checks the whole file with redis-check-rdb before the server sees it: a damaged dump is named as such, rather
     * than as a server that exited while loading.
     *
     * @return how many keys the dump holds
     */
    private long checkRdb(String step, Path rdb) {
        CommandRunner.Result result = runner.run(step + ": redis-check-rdb", List.of(
                settings.binary("redis-check-rdb").toString(), rdb.toString()), Map.of(), settings.startTimeout());
        if (!result.succeeded()) {
            throw new EngineException(step + ": redis-check-rdb refuses the dump: " + result.tail());
        }
        Matcher keys = CHECK_RDB_KEYS.matcher(result.output());
        if (!keys.find()) {
            throw new EngineException(step + ": redis-check-rdb did not say how many keys the dump holds: " + result.tail());
        }
        return Long.parseLong(keys.group(1));
    }

    /**
     * Turns the append-only file on for a dataset loaded from an RDB file: Redis writes the file's base from memory,
     * and only once that is done may the config say {@code appendonly yes} (a restart would otherwise load nothing).
     */
    private void startAppendOnlyFile(String step) {
        try {
            commands().configSet("appendonly", "yes");
        } catch (RedisException e) {
            throw new EngineException(step + ": CONFIG SET appendonly yes failed: " + message(e), e);
        }
        Instant deadline = Instant.now().plus(settings.dumpTimeout());
        while (true) {
            PersistenceInfo now = persistenceInfo(step);
            if (!now.rewritingAof() && Files.isDirectory(settings.dataDir().resolve("appendonlydir"))) {
                if (!now.lastRewriteOk()) {
                    throw new EngineException(step + ": writing the append-only file failed: " + serverLogTail());
                }
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new EngineException(step + ": the append-only file was not written within "
                        + settings.dumpTimeout().toSeconds() + " s (redis.dump_timeout)");
            }
            pause();
        }
    }

    @Override
    public Optional<DumpSelector> bootstrapDump() {
        return settings.rdb();
    }

    private PersistenceInfo persistenceInfo(String step) {
        try {
            return PersistenceInfo.parse(commands().info("persistence"));
        } catch (RedisException | IllegalArgumentException e) {
            throw new EngineException(step + ": INFO persistence failed: " + message(e), e);
        }
    }

    // ---------------------------------------------------------------- files

    private void prepareDataDirectory(String step) {
        Path dir = settings.dataDir();
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Files.setOwner(dir, owner());
        } catch (IOException e) {
            throw new EngineException(step + ": cannot prepare " + dir + " for user " + settings.osUser() + ": "
                    + e.getMessage(), e);
        }
    }

    private void writeConfig(String step, Optional<Endpoint> replicaOf) {
        writeConfig(step, RedisConfig.lines(settings, replicaOf));
    }

    private void writeConfig(String step, List<String> lines) {
        prepareDataDirectory(step);
        writeOwnedFile(step, RedisConfig.file(settings), String.join("\n", lines) + "\n");
    }

    /** Writes a file readable only by the server's user (redis.conf holds the password), replacing it atomically. */
    private void writeOwnedFile(String step, Path file, String content) {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(temporary, content);
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            Files.setOwner(temporary, owner());
            Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new EngineException(step + ": cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private UserPrincipal owner() throws IOException {
        return settings.dataDir().getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(settings.osUser());
    }

    private String serverLogTail() {
        Path logFile = RedisConfig.logFile(settings);
        return Files.exists(logFile) ? CommandRunner.tailOf(logFile) : "(no server log yet)";
    }

    // ---------------------------------------------------------------- connection

    private ReplicationInfo replicationInfo() {
        return ReplicationInfo.parse(commands().info("replication"));
    }

    /** For the metrics only: a server that answered INFO but not this is still up. */
    private OptionalLong slowlogLength() {
        try {
            return OptionalLong.of(commands().slowlogLen());
        } catch (RedisException e) {
            return OptionalLong.empty();
        }
    }

    private RedisCommands<String, String> commands() {
        synchronized (connectionLock) {
            if (connection == null || !connection.isOpen()) {
                connection = client().connect(uri(settings.connectTimeout()));
            }
            return connection.sync();
        }
    }

    private RedisClient client() {
        synchronized (clientLock) {
            if (client == null) {
                client = RedisClient.create();
                // No reconnecting in the background: a probe must see a dead server as dead, not wait for it.
                client.setOptions(ClientOptions.builder()
                        .autoReconnect(false)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .socketOptions(SocketOptions.builder().connectTimeout(settings.connectTimeout()).build())
                        .build());
            }
            return client;
        }
    }

    private RedisURI uri(Duration timeout) {
        RedisURI.Builder builder = RedisURI.builder().withHost(settings.localConnectHost()).withPort(settings.port())
                .withTimeout(timeout);
        settings.password().ifPresent(password -> builder.withPassword(password.toCharArray()));
        return builder.build();
    }

    private void closeConnection() {
        synchronized (connectionLock) {
            if (connection != null) {
                connection.closeAsync();
                connection = null;
            }
        }
    }

    /** Lettuce reports a failed connection as "Unable to connect to host:port"; the reason is in its cause. */
    private static String message(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() != null && cause.getMessage().startsWith("Unable to connect")) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted", e);
        }
    }

    @Override
    public void close() {
        metrics.close();
        closeConnection();
        synchronized (clientLock) {
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                client = null;
            }
        }
    }
}
