package io.steward.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.steward.engine.ArchiveStatus;
import io.steward.engine.CommandRunner;
import io.steward.engine.DataDirectories;
import io.steward.engine.DataState;
import io.steward.engine.Endpoint;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.Peer;
import io.steward.engine.Role;
import io.steward.engine.ServerProcesses;
import io.steward.engine.SnapshotHold;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

/**
 * Runs one redis-server for the core: starts it daemonized as the data directory's owner from a redis.conf that
 * Steward rewrites on every change of role, turns it into a replica or the primary with {@code REPLICAOF}, and
 * fences it by pointing it at a primary that does not exist (it then refuses writes and keeps its data).
 */
final class RedisEngine implements Engine {
    private static final Logger log = LoggerFactory.getLogger(RedisEngine.class);
    /** Written into the data directory once it holds a complete dataset: a created cluster or a finished sync. */
    static final String MEMBER_MARKER = "steward-member";
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
                        .map(u -> "link to the primary " + u + " is down or still syncing")
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
    public boolean restartsCrashedPrimaryInPlace() {
        return false;
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
        startServer(step, Optional.of(primary.database()));
        awaitSynced(step, primary.database());
        markMember(step);
    }

    @Override
    public void reinitializeFrom(Peer primary) {
        String step = "reinitialize from " + primary.name();
        stopOrKill(step);
        closeConnection();
        DataDirectories.moveAside(settings.dataDir(), step).ifPresent(aside ->
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
        prepareDataDirectory(step);
        writeConfig(step, replicaOf);
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

    @Override
    public SnapshotHold holdForSnapshot(String label) {
        throw new EngineException("EBS snapshot sets of Redis volumes are not supported yet");
    }

    @Override
    public void recoverFromSnapshot(Map<String, String> files, Optional<Instant> targetTime, Consumer<String> progress) {
        throw new EngineException("restoring Redis from an EBS snapshot set is not supported yet");
    }

    @Override
    public void startReplicaFromSnapshot(Map<String, String> files, Peer primary) {
        throw new EngineException("seeding a Redis replica from an EBS snapshot set is not supported yet");
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
        prepareDataDirectory(step);
        writeOwnedFile(step, RedisConfig.file(settings), String.join("\n", RedisConfig.lines(settings, replicaOf)) + "\n");
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
