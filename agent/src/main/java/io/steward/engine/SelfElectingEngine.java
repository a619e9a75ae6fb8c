package io.steward.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The part every engine whose database elects its own primary shares (Elasticsearch, MongoDB): the core takes no
 * lease for it, so everything a lease holder or a follower of Steward's primary would be asked to do is refused
 * with the database's name, and there is nothing to fence, no slot or synchronous standby to keep and no WAL to
 * archive. The agent does not own the server's process either (systemd does).
 */
public abstract class SelfElectingEngine implements Engine {
    private static final Logger log = LoggerFactory.getLogger(SelfElectingEngine.class);
    /** Never consulted, since the core elects no primary for these engines. */
    private static final ReplicationStyle UNUSED_STYLE = new ReplicationStyle(ReplicationStyle.Topology.STAR,
            ReplicationStyle.CandidateOrder.MOST_ADVANCED_FIRST, false, false);

    private final String database;
    private final Endpoint endpoint;
    private volatile boolean lastSeenRunning;

    /**
     * @param database how refusals name the database, e.g. "Elasticsearch"
     * @param endpoint where the local server takes connections, as the other members reach it
     */
    protected SelfElectingEngine(String database, Endpoint endpoint) {
        this.database = database;
        this.endpoint = endpoint;
    }

    @Override
    public final Endpoint endpoint() {
        return endpoint;
    }

    /** The agent does not own the server's process: the last probe's answer is the cheapest honest one. */
    @Override
    public final boolean serverProcessAlive() {
        return lastSeenRunning;
    }

    /** What the last probe found: whether the server answered. */
    protected final void seenRunning(boolean running) {
        lastSeenRunning = running;
    }

    @Override
    public final boolean electsOwnPrimary() {
        return true;
    }

    @Override
    public final ReplicationStyle replicationStyle() {
        return UNUSED_STYLE;
    }

    @Override
    public void cloneFrom(Peer primary) {
        throw refused("clone a node");
    }

    @Override
    public void reinitializeFrom(Peer primary) {
        throw refused("reinitialize a node");
    }

    @Override
    public void startAsPrimary() {
        throw refused("start a node as primary");
    }

    @Override
    public void startAsReplica(Optional<Peer> primary) {
        throw refused("start a node as replica");
    }

    @Override
    public void follow(Peer primary) {
        throw refused("re-point a node");
    }

    @Override
    public void promote() {
        throw refused("promote a node");
    }

    /** Nothing to fence: a node never holds a Steward lease, and the database's own election keeps one primary. */
    @Override
    public void fence() {
        log.warn("fence asked of a {} node; ignored, the database elects its own primary", database);
    }

    @Override
    public List<String> fenceCommand() {
        return List.of("true");
    }

    @Override
    public void reconcileReplicationSlots(Set<String> memberNames) {
        // the database replicates by its own membership
    }

    @Override
    public void setSynchronousStandbys(List<String> memberNames) {
        // the database's own write concern decides
    }

    @Override
    public Optional<ArchiveStatus> archiveStatus() {
        return Optional.empty();
    }

    @Override
    public void recoverFromSnapshot(Map<String, String> files, Optional<Instant> targetTime, Consumer<String> progress) {
        throw new EngineException(database + " nodes are not restored from volume snapshots by Steward");
    }

    @Override
    public void startReplicaFromSnapshot(Map<String, String> files, Peer primary) {
        throw new EngineException(database + " nodes are not seeded from volume snapshots; the database copies its data itself");
    }

    /** Why an action of Steward's own elections is refused. */
    protected final EngineException refused(String what) {
        return new EngineException(database + " elects its own primary: Steward does not " + what);
    }
}
