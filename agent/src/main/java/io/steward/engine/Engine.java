package io.steward.engine;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What a database plugin does for the core. The core decides, the engine acts: an engine never talks to
 * ZooKeeper and never decides on its own to promote or demote.
 *
 * <p>Every action is synchronous and returns once the server is in the asked-for state, or throws
 * {@link EngineException} naming what failed. Actions are idempotent: asking for the state the server is already
 * in does nothing.
 */
public interface Engine extends AutoCloseable {

    /** Looks at the local server. Never throws; a failure is reported in {@link EngineStatus#problem()}. */
    EngineStatus probe();

    /** Where other members and clients reach this server. */
    Endpoint endpoint();

    /**
     * A cheap local check, without a network round trip, that the server process exists: called every 100 ms
     * between ticks so that a crashed primary is noticed at once rather than at the next tick.
     */
    boolean serverProcessAlive();

    /** Whether the database elects its own primary (MongoDB, Elasticsearch); then the core only observes. */
    boolean electsOwnPrimary();

    /** How replicas are arranged, how a new primary is chosen and whether a crashed primary restarts in place. */
    ReplicationStyle replicationStyle();

    /** Creates a brand new cluster in an empty data directory and starts it as a writable primary. */
    void initializeNewCluster();

    /** Fills an empty data directory with a copy of the primary's and starts it as its replica. */
    void cloneFrom(Peer primary);

    /**
     * Moves the current data directory aside (never deletes it) and clones it again from the primary.
     * For a replica that cannot rejoin any other way.
     */
    void reinitializeFrom(Peer primary);

    /** Starts a stopped server as the writable primary, keeping its data; used to restart the lease holder. */
    void startAsPrimary();

    /**
     * Starts a stopped server as a replica of {@code primary}, or, with no primary, as a replica that only
     * replays what it has (so that its position can be compared while the cluster has no primary).
     * When the local history diverged from the primary's, the engine rewinds it first, or throws
     * {@link RewindFailedException} so that the core can reinitialise.
     */
    void startAsReplica(java.util.Optional<Peer> primary);

    /**
     * Repoints a running replica at another primary, rewinding or restarting as needed (throws
     * {@link RewindFailedException} when it cannot rewind). A running primary is stopped first: it was deposed.
     */
    void follow(Peer primary);

    /** Turns a running replica into the writable primary and returns once it accepts writes. */
    void promote();

    /**
     * Stops the server from taking writes right now, because this node can no longer prove it holds the lease.
     * Must be fast, must not depend on anything remote, and must be safe to call from another thread while any
     * other action is under way. A read-only setting is not a fence.
     */
    void fence();

    /** Stops the server cleanly (a primary lets its replicas receive everything it wrote first). */
    void stop();

    /**
     * A command line that fences the server without this JVM, run by the fence guard if the agent dies or hangs
     * while its server is the primary.
     */
    List<String> fenceCommand();

    /** On the primary: keeps exactly one replication slot (or equivalent) per named member. */
    void reconcileReplicationSlots(Set<String> memberNames);

    /**
     * On the primary: which replicas must confirm a commit before it is acknowledged. An empty list makes
     * replication asynchronous.
     */
    void setSynchronousStandbys(List<String> memberNames);

    /** The archive's backlog and progress as the server sees them; empty when it does not archive. Never throws. */
    Optional<ArchiveStatus> archiveStatus();

    /** The operating-system user the server runs as, and so its archive and restore commands. */
    String serverUser();

    /**
     * Every directory that holds this server's data (PostgreSQL: the data directory, and the WAL directory and
     * tablespaces where they live elsewhere), resolved: the volumes under them make up a snapshot set.
     */
    List<Path> dataPaths();

    /**
     * Prepares the running server for a snapshot of its volumes (PostgreSQL: {@code pg_backup_start} on a connection
     * held until the hold is released), so that the snapshot restores to a consistent database.
     */
    SnapshotHold holdForSnapshot(String label);

    /**
     * Starts a server on a data directory restored from a snapshot set, as the writable primary of a new history:
     * writes the set's files (PostgreSQL: backup_label, tablespace_map) into it, replays the archive up to
     * {@code targetTime} (or as far as it reaches), and returns once the server takes writes.
     *
     * @param progress told now and then how far replay has come
     * @throws EngineException when the data directory is not a restored one, the archive cannot be read, or it
     *         ends before the target
     */
    void recoverFromSnapshot(Map<String, String> files, Optional<Instant> targetTime, Consumer<String> progress);

    /**
     * Starts a server on a data directory restored from a snapshot set as a replica of {@code primary}: writes the
     * set's files, then catches up from the archive and the primary. The seed of a new replica, instead of a copy
     * over the network.
     */
    void startReplicaFromSnapshot(Map<String, String> files, Peer primary);

    /**
     * Whether {@link #recoverFromSnapshot} and {@link #startReplicaFromSnapshot} work: otherwise a restore is refused
     * before any volume is made, and {@code backup.snapshots.seed_replicas} may not be on (a new replica would be
     * handed restored volumes it cannot start from, again and again).
     */
    default boolean restoresFromSnapshotSets() {
        return false;
    }

    /**
     * What the database says of its cluster beyond role and health, for {@code GET /health} (Elasticsearch: the
     * cluster's status, nodes, unassigned shards and elected master), as of the last probe; empty by default.
     */
    default Map<String, Object> healthDetails() {
        return Map.of();
    }

    /**
     * When the database elects its own primary: the term in which it elected this node, if this node is its primary
     * right now, asked afresh (it is checked again right before a DNS change that only the primary may make). Empty
     * otherwise, and for engines whose primary Steward elects.
     */
    default OptionalLong electedPrimaryTerm() {
        return OptionalLong.empty();
    }

    /**
     * Whether this node may create a new cluster at all: a MongoDB arbiter, which holds no data, may not. True by
     * default; {@code bootstrap.mode} decides beside it.
     */
    default boolean mayCreateCluster() {
        return true;
    }

    /**
     * The member tag ({@link #memberTags()}) of a member kept for backups (a MongoDB hidden member): with
     * {@code on_replica}, scheduled backups go to such a member before any other replica.
     */
    String BACKUP_TAG = "backup";
    String PREFERRED_FOR_BACKUPS = "preferred";

    /**
     * What this node announces to the others of how it wants to be a member (MongoDB: data member or arbiter),
     * published with its member entry; empty by default.
     */
    default Map<String, String> memberTags() {
        return Map.of();
    }

    /**
     * Called on the elected primary of a database that keeps its own member list, every tick: add the members that
     * ZooKeeper knows and the database does not. Nothing to do by default.
     */
    default void reconcileMembers(List<ClusterMember> members) {
    }

    /**
     * The database's own backup, when it has one that replaces volume snapshot sets (Elasticsearch's snapshot API);
     * the admin API's snapshot endpoints and the backup schedule then go to it. Empty by default.
     */
    default Optional<NativeBackup> nativeBackup() {
        return Optional.empty();
    }

    /**
     * Writes a dump of the whole dataset now and returns it once it is complete (Redis: {@code BGSAVE}, waited for),
     * opened and checked by the engine (see {@link DumpFile}): a later dump cannot change it under the upload. Blocks
     * for as long as the dump takes, within a bound the engine chooses.
     *
     * @throws EngineException when the server is not running, the dump fails or outlasts its bound, or the engine
     *         backs up some other way (PostgreSQL: snapshot sets and the WAL archive)
     */
    default DumpFile dumpForBackup() {
        throw new EngineException("this database is not backed up by dumps");
    }

    /**
     * Creates a new cluster from a dump in an empty data directory and starts it as the writable primary, like
     * {@link #initializeNewCluster()} but with the dump's dataset; returns once the server has loaded it and takes
     * writes. The dump file is read, not moved; the caller deletes it afterwards.
     *
     * @throws EngineException when the data directory is not empty, the dump is not a valid one of this engine, or
     *         the server does not load it; the data directory is then left without a dataset, as before
     */
    default void initializeFromDump(Path dump) {
        throw new EngineException("this database does not start from dumps");
    }

    /**
     * The archived dump this node asks to start a new cluster from (Redis: {@code redis.rdb}, the book's user-data
     * key {@code rdb}), already validated; empty when the cluster starts empty. Only the member that creates the
     * cluster uses it: members joining an existing cluster copy from its primary.
     */
    default Optional<DumpSelector> bootstrapDump() {
        return Optional.empty();
    }

    /** Releases connections and helpers; does not stop the server. */
    @Override
    void close();
}
