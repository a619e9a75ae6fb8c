package io.steward.redis;

import static io.steward.redis.RedisConnection.message;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.steward.engine.ClientConnections;
import io.steward.engine.DataState;
import io.steward.engine.DumpFile;
import io.steward.engine.Dumps;
import io.steward.engine.Endpoint;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.LeaseElected;
import io.steward.engine.Peer;
import io.steward.engine.ReplayDelay;
import io.steward.engine.Role;
import io.steward.engine.SnapshotHold;
import io.steward.engine.SnapshotMarks;
import io.steward.engine.VolumeSnapshots;
import io.steward.engine.support.CommandRunner;
import io.steward.engine.support.DataDirectories;
import io.steward.engine.support.ServerProcesses;
import io.steward.files.FileOwner;
import io.steward.files.HeldDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one redis-server for the core: starts it daemonized as the data directory's owner from a redis.conf that
 * Steward rewrites on every change of role, turns it into a replica or the primary with {@code REPLICAOF}, and
 * fences it by pointing it at a primary that does not exist (it then refuses writes and keeps its data).
 */
final class RedisEngine implements Engine, LeaseElected, VolumeSnapshots, Dumps, ReplayDelay, ClientConnections {
    private static final Logger log = LoggerFactory.getLogger(RedisEngine.class);
    private static final Duration QUICK_COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration FENCE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration PID_FILE_GRACE = Duration.ofSeconds(5);
    /** Debian's redis-server is a link to redis-check-rdb, which is what the kernel names as the program. */
    private static final String[] SERVER_PROGRAMS = {"redis-server", "redis-check-rdb"};
    /** Beside the agent's state, for the fence guard's redis-cli. */
    private static final String PASSWORD_FILE = "redis-password";

    private final EngineContext context;
    private final RedisSettings settings;
    private final CommandRunner runner;
    private final RedisDataDirectory dataDirectory;
    private final RedisMetrics metrics;
    private final RedisConnection redis;
    private final RedisPersistence persistence;
    /** Of the last probe: {@link #replayDelay()}. */
    private volatile Optional<Duration> replayDelay = Optional.empty();

    RedisEngine(EngineContext context, RedisSettings settings) {
        this.context = context;
        this.settings = settings;
        this.runner = new CommandRunner(settings.osUser());
        this.dataDirectory = new RedisDataDirectory(settings.dataDir(), settings.osUser());
        this.metrics = new RedisMetrics(context.metrics());
        this.redis = new RedisConnection(settings);
        this.persistence = new RedisPersistence(redis, settings, runner, dataDirectory);
    }

    // ---------------------------------------------------------------- observing

    @Override
    public EngineStatus probe() {
        replayDelay = Optional.empty();
        DataState data = dataState();
        if (!serverProcessAlive()) {
            metrics.unknown();
            return EngineStatus.stopped(
                    data,
                    Optional.of(
                            data == DataState.EMPTY
                                    ? "no dataset yet"
                                    : data == DataState.INVALID ? invalidReason() : "redis-server is not running"));
        }
        ReplicationInfo info;
        try {
            // all default sections, not only replication: the metrics come from the same round trip
            RedisInfo reply = RedisInfo.parse(redis.commands().info());
            info = ReplicationInfo.of(reply);
            metrics.update(reply, slowlogLength());
        } catch (RedisException | IllegalArgumentException e) {
            metrics.unknown();
            return EngineStatus.stopped(data, Optional.of("redis-server runs but does not answer: " + message(e)));
        }
        replayDelay = info.replayDelay();
        // a node whose first sync never finished must not be ranked: its offset says nothing about its data
        long position = data == DataState.VALID ? info.offset() : -1;
        if (info.primary()) {
            return new EngineStatus(
                    Role.PRIMARY, data, position, 0, Optional.empty(), false, info.replicas(), Optional.empty());
        }
        Optional<String> upstream = info.linkUp() ? info.upstream().map(Endpoint::toString) : Optional.empty();
        Optional<String> problem = info.linkUp()
                ? Optional.empty()
                : Optional.of(info.upstream()
                        .filter(u -> !u.equals(RedisConfig.NOWHERE))
                        .map(u -> "link to its upstream " + u + " is down or still syncing")
                        .orElse("read-only, following no primary"));
        return new EngineStatus(Role.REPLICA, data, position, 0, upstream, false, List.of(), problem);
    }

    @Override
    public Optional<Duration> replayDelay() {
        return replayDelay;
    }

    /** {@code redis://host:port}: a Redis client takes one server, the first. */
    @Override
    public String connectionString(List<Endpoint> servers, Target target) {
        Endpoint server = servers.get(0);
        String host = server.host().contains(":") ? "[" + server.host() + "]" : server.host();
        return "redis://" + host + ":" + server.port();
    }

    /** Redis data that Steward did not create is INVALID: never thrown away by a clone without an operator's word. */
    private DataState dataState() {
        try {
            if (dataDirectory.isMember()) {
                return DataState.VALID;
            }
            return dataDirectory.holdsForeignData() ? DataState.INVALID : DataState.EMPTY;
        } catch (IOException e) {
            log.warn("cannot look into the data directory {}: {}", settings.dataDir(), e.getMessage());
            return DataState.INVALID;
        }
    }

    private String invalidReason() {
        return settings.dataDir() + " holds Redis data that Steward did not create (no "
                + RedisDataDirectory.MEMBER_MARKER + "), or cannot be looked into; move it away, or reinitialise this "
                + "node to clone it again";
    }

    @Override
    public Endpoint endpoint() {
        return new Endpoint(context.advertisedHost(), settings.port());
    }

    @Override
    public boolean serverProcessAlive() {
        return serverPid()
                .filter(pid -> ServerProcesses.running(pid, SERVER_PROGRAMS))
                .isPresent();
    }

    private Optional<Long> serverPid() {
        try {
            return dataDirectory.serverPid();
        } catch (IOException e) {
            log.debug("no pid of redis-server: {}", e.getMessage());
            return Optional.empty();
        }
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
        settings.rdb()
                .ifPresent(dump -> log.info(
                        "redis.rdb {} is not used: the cluster exists, so this node copies "
                                + "the dataset of its primary {}",
                        dump,
                        primary.name()));
        startServer(step, Optional.of(primary.database()));
        awaitSynced(step, primary.database());
        markMember(step);
    }

    @Override
    public void reinitializeFrom(Peer primary) {
        String step = "reinitialize from " + primary.name();
        stopOrKill(step);
        redis.reset();
        DataDirectories.moveAside(settings.dataDir(), FileOwner.lookup(settings.osUser()), step)
                .ifPresent(aside -> log.warn(
                        "Moved the data directory {} aside to {} before cloning it again", settings.dataDir(), aside));
        cloneFrom(primary);
    }

    private void markMember(String step) {
        try {
            dataDirectory.markMember();
        } catch (IOException e) {
            throw new EngineException(
                    step + ": cannot mark " + settings.dataDir() + " as a member's: " + e.getMessage(), e);
        }
    }

    private void awaitSynced(String step, Endpoint primary) {
        Instant deadline = Instant.now().plus(settings.startTimeout());
        while (true) {
            try {
                ReplicationInfo info = replicationInfo();
                if (!info.primary()
                        && info.linkUp()
                        && info.upstream().filter(primary::equals).isPresent()) {
                    return;
                }
            } catch (RedisException | IllegalArgumentException e) {
                // still loading what it received
            }
            requireAlive(step, Instant.MIN);
            if (Instant.now().isAfter(deadline)) {
                throw new EngineException(step + ": the first sync from " + primary + " did not finish within "
                        + settings.startTimeout().toSeconds() + " s: " + dataDirectory.logTailForMessages());
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
        startServer(
                primary.map(p -> "start as a replica of " + p.name()).orElse("start as a replica of no primary"),
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
            redis.commands().replicaofNoOne();
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
                redis.commands().replicaofNoOne();
            }
            return;
        }
        writeConfig(step, replicaOf);
        launch(step);
    }

    /** Starts redis-server from the config file as it is; returns once it answers with its dataset loaded. */
    private void launch(String step) {
        redis.reset();
        runner.runOrFail(
                step + ": redis-server",
                List.of(
                        settings.binary("redis-server").toString(),
                        RedisConfig.file(settings).toString()),
                Map.of(),
                QUICK_COMMAND_TIMEOUT);
        awaitReady(step);
        log.info("{}: redis-server answers on {}", step, endpoint());
    }

    private void awaitReady(String step) {
        Instant started = Instant.now();
        Instant deadline = started.plus(settings.startTimeout());
        RuntimeException last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                redis.commands().ping();
                return;
            } catch (RedisException e) {
                // not listening yet, or loading its dataset
                last = e;
                redis.reset();
            }
            requireAlive(step, started);
            pause();
        }
        throw new EngineException(step + ": redis-server did not answer within "
                + settings.startTimeout().toSeconds() + " s (" + (last == null ? "no attempt" : message(last)) + "): "
                + dataDirectory.logTailForMessages());
    }

    /** A daemonizing server writes its pid file a moment after it forks: until then, only a long absence counts. */
    private void requireAlive(String step, Instant startedAt) {
        boolean gone =
                serverPid().isPresent() ? !serverProcessAlive() : Instant.now().isAfter(startedAt.plus(PID_FILE_GRACE));
        if (gone) {
            throw new EngineException(step + ": redis-server exited: " + dataDirectory.logTailForMessages());
        }
    }

    private void replicaOf(String step, Endpoint primary) {
        try {
            redis.commands().replicaof(primary.host(), primary.port());
        } catch (RedisException e) {
            throw new EngineException(
                    step + ": REPLICAOF " + primary.host() + " " + primary.port() + " failed: " + message(e), e);
        }
    }

    // ---------------------------------------------------------------- fencing and stopping

    @Override
    public void fence() {
        String step = "fence";
        // Its own connection: the shared one may be busy in another thread's action.
        try (StatefulRedisConnection<String, String> fenceConnection = redis.connectAlone(FENCE_TIMEOUT)) {
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
        List<String> cli = List.of(
                settings.binary("redis-cli").toString(),
                "-h",
                settings.localConnectHost(),
                "-p",
                Integer.toString(settings.port()),
                "REPLICAOF",
                RedisConfig.NOWHERE.host(),
                Integer.toString(RedisConfig.NOWHERE.port()));
        String auth = settings.password()
                .map(password -> "REDISCLI_AUTH=\"$(cat "
                        + CommandRunner.shellQuoted(List.of(
                                context.stateDir().resolve(PASSWORD_FILE).toString())) + ")\" ")
                .orElse("");
        settings.password().ifPresent(this::writePasswordForTheGuard);
        // as the server's user: the pid comes from that user's file, and root would kill whatever process it names
        String kill = CommandRunner.shellQuoted(runner.asOsUser(List.of(
                "/bin/sh",
                "-c",
                "kill -9 \"$(cat "
                        + CommandRunner.shellQuoted(
                                List.of(RedisConfig.pidFile(settings).toString())) + ")\"")));
        return List.of("/bin/sh", "-c", auth + CommandRunner.shellQuoted(cli) + " | grep -q '^OK' || " + kill);
    }

    /** In the agent's own state directory, root's and readable by root only, like the guard that reads it. */
    private void writePasswordForTheGuard(String password) {
        try (HeldDirectory stateDir = HeldDirectory.open(context.stateDir(), FileOwner.current())) {
            stateDir.replace(PASSWORD_FILE, password);
        } catch (IOException e) {
            throw new EngineException(
                    "fence guard: cannot write " + context.stateDir().resolve(PASSWORD_FILE) + ": " + e.getMessage(),
                    e);
        }
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
            redis.commands().shutdown(settings.persistence() != RedisSettings.Persistence.NO);
        } catch (RedisException e) {
            // the connection closes as the server goes; an error reply is seen by the wait below
            log.debug("{}: SHUTDOWN ended with {}", step, message(e));
        }
        redis.reset();
        Instant deadline = Instant.now().plus(settings.stopTimeout());
        while (serverProcessAlive()) {
            if (Instant.now().isAfter(deadline)) {
                log.warn(
                        "{}: redis-server did not stop within {} s; killing it",
                        step,
                        settings.stopTimeout().toSeconds());
                kill();
                return;
            }
            pause();
        }
    }

    /** Only a redis-server of the server's user: the pid file is that user's, and could name any process. */
    private void kill() {
        serverPid()
                .filter(pid -> ServerProcesses.runningAs(pid, settings.osUser(), SERVER_PROGRAMS))
                .flatMap(ProcessHandle::of)
                .ifPresent(ProcessHandle::destroyForcibly);
        redis.reset();
    }

    // ---------------------------------------------------------------- files and snapshots

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
            case NO ->
                throw new EngineException(step + ": redis.persistence is no, so Redis keeps nothing on its "
                        + "volume and a snapshot of it would restore an empty dataset; set persistence low or higher, or "
                        + "archive dumps (backup.dumps) instead");
            case LOW -> {
                persistence.freshSave(step);
                log.info("{}: BGSAVE finished, {} is current", step, RedisDataDirectory.RDB_FILE);
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
            return ReplicationInfo.parse(redis.commands().info("replication")).offset();
        } catch (RedisException | IllegalArgumentException e) {
            throw new EngineException(step + ": INFO replication failed: " + message(e), e);
        }
    }

    // ---------------------------------------------------------------- dumps

    @Override
    public DumpFile dumpForBackup() {
        String step = "dump for backup";
        if (!serverProcessAlive()) {
            throw new EngineException(step + ": redis-server is not running");
        }
        removeOldBackupLinks(step);
        persistence.freshSave(step);
        try {
            // at persistence no a restarted server must come back empty, not from this dump
            DumpFile dump = dataDirectory.openDump(settings.persistence() == RedisSettings.Persistence.NO);
            log.info(
                    "{}: BGSAVE finished, {} ({} bytes) handed over for upload",
                    step,
                    RedisDataDirectory.RDB_FILE,
                    dump.size());
            return dump;
        } catch (IOException e) {
            throw new EngineException(
                    step + ": cannot open " + settings.dataDir().resolve(RedisDataDirectory.RDB_FILE)
                            + " for the upload: " + e.getMessage(),
                    e);
        }
    }

    private void removeOldBackupLinks(String step) {
        try {
            dataDirectory
                    .removeOldBackupLinks()
                    .forEach(name -> log.info(
                            "{}: removed {}, left by an earlier " + "agent's dump whose upload was interrupted",
                            step,
                            name));
        } catch (IOException e) {
            throw new EngineException(step + ": cannot clean " + settings.dataDir() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void initializeFromDump(Path dump) {
        String step = "create a new Redis dataset from dump " + dump.getFileName();
        if (dataState() != DataState.EMPTY || serverProcessAlive()) {
            throw new EngineException(
                    step + ": " + settings.dataDir() + " already holds a dataset or a running server; "
                            + "a dump is only restored into an empty data directory");
        }
        try {
            prepareDataDirectory(step);
            try {
                dataDirectory.restoreDump(dump);
            } catch (IOException e) {
                throw new EngineException(
                        step + ": cannot copy " + dump + " to "
                                + settings.dataDir().resolve(RedisDataDirectory.RDB_FILE) + ": " + e.getMessage(),
                        e);
            }
            long keys = persistence.checkRdb(step, settings.dataDir().resolve(RedisDataDirectory.RDB_FILE));
            writeConfig(step, RedisConfig.linesLoadingDump(settings));
            launch(step);
            PersistenceInfo loaded = persistence.persistenceInfo(step);
            if (loaded.keysLoaded() + loaded.keysExpiredOnLoad() != keys) {
                throw new EngineException(step + ": redis-server loaded " + loaded.keysLoaded() + " keys (and dropped "
                        + loaded.keysExpiredOnLoad() + " expired ones) of the " + keys + " in the dump: "
                        + dataDirectory.logTailForMessages());
            }
            if (settings.persistence() == RedisSettings.Persistence.NORMAL
                    || settings.persistence() == RedisSettings.Persistence.HIGH) {
                persistence.startAppendOnlyFile(step);
            }
            writeConfig(step, Optional.empty());
            markMember(step);
            log.info(
                    "{}: {} keys loaded ({} had expired), running as primary",
                    step,
                    loaded.keysLoaded(),
                    loaded.keysExpiredOnLoad());
        } catch (EngineException e) {
            stopOrKill(step);
            redis.reset();
            DataDirectories.moveAside(settings.dataDir(), FileOwner.lookup(settings.osUser()), step)
                    .ifPresent(aside -> log.warn(
                            "{} failed; moved what it " + "wrote aside to {}, leaving the data directory empty",
                            step,
                            aside));
            throw e;
        }
    }

    // ---------------------------------------------------------------- files

    private void prepareDataDirectory(String step) {
        try {
            dataDirectory.prepare();
        } catch (IOException e) {
            throw new EngineException(
                    step + ": cannot prepare " + settings.dataDir() + " for user " + settings.osUser() + ": "
                            + e.getMessage(),
                    e);
        }
    }

    private void writeConfig(String step, Optional<Endpoint> replicaOf) {
        writeConfig(step, RedisConfig.lines(settings, replicaOf));
    }

    private void writeConfig(String step, List<String> lines) {
        prepareDataDirectory(step);
        try {
            dataDirectory.writeConfig(String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new EngineException(step + ": cannot write " + RedisConfig.file(settings) + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- server

    private ReplicationInfo replicationInfo() {
        return ReplicationInfo.parse(redis.commands().info("replication"));
    }

    /** For the metrics only: a server that answered INFO but not this is still up. */
    private OptionalLong slowlogLength() {
        try {
            return OptionalLong.of(redis.commands().slowlogLen());
        } catch (RedisException e) {
            return OptionalLong.empty();
        }
    }

    static void pause() {
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
        redis.close();
    }
}
