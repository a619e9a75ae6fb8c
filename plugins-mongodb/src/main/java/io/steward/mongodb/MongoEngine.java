package io.steward.mongodb;

import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoCredential;
import com.mongodb.MongoException;
import com.mongodb.MongoSocketException;
import com.mongodb.ServerAddress;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.connection.ClusterConnectionMode;
import io.steward.engine.ClientConnections;
import io.steward.engine.ClusterMember;
import io.steward.engine.DataState;
import io.steward.engine.Endpoint;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.ManagedMembership;
import io.steward.engine.Role;
import io.steward.engine.SnapshotHold;
import io.steward.engine.VolumeSnapshots;
import io.steward.engine.support.Pause;
import io.steward.mongodb.MongoSettings.MemberRole;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member of a MongoDB replica set, through the official driver connected straight to the local mongod. The set
 * elects its primary; the agent creates the set once (the core's creation claim), and the agent on its primary adds
 * the members ZooKeeper knows, one per reconfiguration. A stopping member steps down if it is the primary and takes
 * itself out of the set. The agent does not own the mongod process (systemd does).
 */
final class MongoEngine implements Engine, ManagedMembership, VolumeSnapshots, ClientConnections {
    private static final Logger log = LoggerFactory.getLogger(MongoEngine.class);
    /** How long a stepping-down primary lets a secondary catch up, and then how long it waits for a new primary. */
    private static final int STEP_DOWN_SECONDS = 60;

    private static final int CATCH_UP_SECONDS = 10;
    private static final Duration NEW_PRIMARY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration INITIATE_TIMEOUT = Duration.ofSeconds(60);

    private final MongoSettings settings;
    private final Endpoint endpoint;
    /** This member's {@code host:port} as the set's configuration names it: how the other members reach it. */
    private final String selfHost;

    private final MongoClient local;
    private final MongoMetrics metrics;
    private volatile Map<String, Object> details = Map.of();

    MongoEngine(EngineContext context, MongoSettings settings) {
        this.settings = settings;
        this.endpoint = new Endpoint(context.advertisedHost(), settings.port());
        this.selfHost = context.advertisedHost() + ":" + settings.port();
        this.local = client(settings.host(), settings.port());
        this.metrics = new MongoMetrics(context.metrics());
    }

    private MongoClient client(String host, int port) {
        int timeoutMillis = (int) settings.requestTimeout().toMillis();
        MongoClientSettings.Builder builder = MongoClientSettings.builder()
                .applyToClusterSettings(cluster -> cluster.hosts(List.of(new ServerAddress(host, port)))
                        .mode(ClusterConnectionMode.SINGLE)
                        .serverSelectionTimeout(timeoutMillis, TimeUnit.MILLISECONDS))
                .applyToSocketSettings(socket -> socket.connectTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                        .readTimeout(timeoutMillis, TimeUnit.MILLISECONDS));
        settings.credentials()
                .ifPresent(c -> builder.credential(MongoCredential.createCredential(
                        c.username(), "admin", c.password().toCharArray())));
        return MongoClients.create(builder.build());
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public String connectionString(List<Endpoint> servers, Target target) {
        return MongoConnectionString.of(servers, settings.replicaSet(), target);
    }

    @Override
    public EngineStatus probe() {
        Document hello;
        try {
            hello = command(local, new Document("hello", 1));
        } catch (EngineException e) {
            details = Map.of();
            metrics.clear();
            return EngineStatus.stopped(DataState.VALID, Optional.of(e.getMessage()));
        }
        String setName = hello.getString("setName");
        if (setName == null) {
            // a mongod started with --replSet whose set is not initiated, or that was removed from it
            details = Map.of();
            metrics.clear();
            return new EngineStatus(
                    Role.REPLICA, DataState.EMPTY, -1, 0, Optional.empty(), false, List.of(), Optional.empty());
        }
        if (!setName.equals(settings.replicaSet())) {
            return new EngineStatus(
                    Role.REPLICA,
                    DataState.INVALID,
                    -1,
                    0,
                    Optional.empty(),
                    false,
                    List.of(),
                    Optional.of("member of replica set " + setName + ", not of " + settings.replicaSet()
                            + " (mongodb.replica_set)"));
        }
        try {
            ReplicaSetStatus set = ReplicaSetStatus.of(command(local, new Document("replSetGetStatus", 1)));
            metrics.record(command(local, new Document("serverStatus", 1)), set);
            details = set.details(setName);
            Role role = Boolean.TRUE.equals(hello.getBoolean("isWritablePrimary")) ? Role.PRIMARY : Role.REPLICA;
            Optional<String> upstream = set.self().flatMap(ReplicaSetStatus.Member::syncSource);
            return new EngineStatus(role, DataState.VALID, -1, set.term(), upstream, false, List.of(), set.problem());
        } catch (EngineException e) {
            return new EngineStatus(
                    Role.REPLICA,
                    DataState.VALID,
                    -1,
                    0,
                    Optional.empty(),
                    false,
                    List.of(),
                    Optional.of(e.getMessage()));
        }
    }

    @Override
    public OptionalLong electedPrimaryTerm() {
        try {
            Document hello = command(local, new Document("hello", 1));
            if (!Boolean.TRUE.equals(hello.getBoolean("isWritablePrimary"))
                    || !settings.replicaSet().equals(hello.getString("setName"))) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(ReplicaSetStatus.of(command(local, new Document("replSetGetStatus", 1)))
                    .term());
        } catch (EngineException e) {
            return OptionalLong.empty();
        }
    }

    /** Its role, and for a hidden member that it is the one to take scheduled snapshots ({@code on_replica}). */
    @Override
    public Map<String, String> memberTags() {
        String role = settings.role().name().toLowerCase(Locale.ROOT);
        return settings.role() == MemberRole.HIDDEN
                ? Map.of(MembershipPlan.ROLE_TAG, role, BACKUP_TAG, PREFERRED_FOR_BACKUPS)
                : Map.of(MembershipPlan.ROLE_TAG, role);
    }

    @Override
    public void initializeNewCluster() {
        if (!MongoPlugin.mayCreateCluster(settings)) {
            throw new EngineException("a " + settings.role().name().toLowerCase(Locale.ROOT)
                    + " member does not start a replica set; start a data member first");
        }
        log.info("initiating replica set {} with {}", settings.replicaSet(), selfHost);
        command(local, new Document("replSetInitiate", MembershipPlan.initial(settings.replicaSet(), selfHost, 1)));
        long deadline = System.nanoTime() + INITIATE_TIMEOUT.toNanos();
        while (electedPrimaryTerm().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new EngineException("replica set " + settings.replicaSet() + " was initiated, but " + selfHost
                        + " is not its primary after " + INITIATE_TIMEOUT.toSeconds() + " s");
            }
            sleep(Duration.ofMillis(100));
        }
    }

    /**
     * On the primary: one change per tick towards the members ZooKeeper knows: a priority made to match
     * {@code node.priority}, else the first member the set does not have yet, added as its role says.
     */
    @Override
    public void reconcileMembers(List<ClusterMember> members) {
        Document config = command(local, new Document("replSetGetConfig", 1)).get("config", Document.class);
        Optional<Document> next = MembershipPlan.next(config, members);
        if (next.isPresent()) {
            log.info(
                    "reconfiguring replica set {} to version {}: {}",
                    settings.replicaSet(),
                    next.get().get("version"),
                    MembershipPlan.describeChange(config, next.get()));
            command(local, new Document("replSetReconfig", next.get()));
        }
    }

    /**
     * Leaves the set: a primary steps down first and waits for another to be elected, then the member asks the
     * primary to take it out of the configuration. A server that does not answer, or is in no set, has nothing to
     * leave.
     */
    @Override
    public void stop() {
        Document hello;
        try {
            hello = command(local, new Document("hello", 1));
        } catch (EngineException e) {
            log.info("{} does not answer; nothing to leave ({})", selfHost, e.getMessage());
            return;
        }
        if (hello.getString("setName") == null) {
            log.info("{} is in no replica set; nothing to leave", selfHost);
            return;
        }
        if (Boolean.TRUE.equals(hello.getBoolean("isWritablePrimary"))) {
            stepDown();
        }
        String primary = awaitOtherPrimary();
        try (MongoClient primaryClient = client(hostOf(primary), portOf(primary))) {
            Document config =
                    command(primaryClient, new Document("replSetGetConfig", 1)).get("config", Document.class);
            Optional<Document> without = MembershipPlan.remove(config, selfHost);
            if (without.isEmpty()) {
                log.info("{} is no longer in replica set {}", selfHost, settings.replicaSet());
                return;
            }
            command(primaryClient, new Document("replSetReconfig", without.get()));
            log.info(
                    "{} left replica set {} (configuration version {})",
                    selfHost,
                    settings.replicaSet(),
                    without.get().get("version"));
        }
    }

    private void stepDown() {
        log.info("{} steps down as primary of {}", selfHost, settings.replicaSet());
        try {
            command(
                    local,
                    new Document("replSetStepDown", STEP_DOWN_SECONDS)
                            .append("secondaryCatchUpPeriodSecs", CATCH_UP_SECONDS));
        } catch (EngineException e) {
            if (!(e.getCause() instanceof MongoSocketException)) {
                throw e;
            }
            // a stepping-down primary closes its connections: the step-down happened
        }
    }

    private String awaitOtherPrimary() {
        long deadline = System.nanoTime() + NEW_PRIMARY_TIMEOUT.toNanos();
        while (true) {
            try {
                String primary = command(local, new Document("hello", 1)).getString("primary");
                if (primary != null && !primary.equalsIgnoreCase(selfHost)) {
                    return primary;
                }
            } catch (EngineException e) {
                // asked again below
            }
            if (System.nanoTime() > deadline) {
                throw new EngineException("no other member of " + settings.replicaSet() + " became primary within "
                        + NEW_PRIMARY_TIMEOUT.toSeconds() + " s; " + selfHost + " stays in the set");
            }
            sleep(Duration.ofMillis(200));
        }
    }

    @Override
    public SnapshotHold holdForSnapshot(String label) {
        return FsyncLock.take(
                client(settings.host(), settings.port()),
                settings.fsyncLockLimit(),
                label,
                electedPrimaryTerm().orElse(0));
    }

    @Override
    public String serverUser() {
        return "mongodb";
    }

    @Override
    public List<Path> dataPaths() {
        return List.of(settings.dataDir());
    }

    @Override
    public Map<String, Object> healthDetails() {
        return details;
    }

    @Override
    public void close() {
        local.close();
    }

    /** One command on the admin database; any failure is an {@link EngineException} in MongoDB's own words. */
    static Document command(MongoClient client, Document command) {
        String name = command.keySet().iterator().next();
        MongoDatabase admin = client.getDatabase("admin");
        try {
            return admin.runCommand(command);
        } catch (MongoCommandException e) {
            throw new EngineException(
                    name + " refused: " + e.getErrorCodeName() + " (" + e.getErrorCode() + "): " + e.getErrorMessage(),
                    e);
        } catch (MongoException e) {
            throw new EngineException(
                    name + ": server unreachable (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    private static String hostOf(String hostPort) {
        return hostPort.substring(0, hostPort.lastIndexOf(':'));
    }

    private static int portOf(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static void sleep(Duration duration) {
        Pause.of(duration, e -> new EngineException("interrupted", e));
    }
}
