package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One member's replication state: its config, term, role, oplog and data ({@link MemberStorage}), its stepdown and
 * freeze windows, its fsync lock and the topologyVersion its hello carries. Everything but the connection counters is
 * guarded by the {@link ReplicaSetNetwork}'s monitor.
 */
final class ReplicaSetNode {
    private static final List<String> OPERATION_COUNTERS =
            List.of("insert", "query", "update", "delete", "getmore", "command");

    final String host;
    /** The {@code --replSet} name the member was started with. */
    final String replSetName;

    final MemberStorage storage = new MemberStorage();
    /** When this member last heard a heartbeat from each peer, by host. */
    final Map<String, Instant> lastHeard = new HashMap<>();

    final Map<Long, InFlightOperation> operations = new LinkedHashMap<>();
    final Map<String, Long> opcounters = counters();
    final Map<String, Long> opcountersRepl = counters();
    final AtomicInteger currentConnections = new AtomicInteger();
    final AtomicLong totalConnections = new AtomicLong();

    boolean running;
    Instant startedAt;
    ObjectId processId;
    long topologyCounter;
    private Document announcedState;

    ReplicaSetConfig config;
    long term;
    boolean primary;
    Instant electionDate;
    OpTime electionOpTime;
    Instant unelectableUntil = Instant.MIN;
    Instant frozenUntil = Instant.MIN;
    Instant majorityLostSince;
    int fsyncLockCount;

    ReplicaSetNode(String host, String replSetName) {
        this.host = host;
        this.replSetName = replSetName;
    }

    private static Map<String, Long> counters() {
        Map<String, Long> counters = new LinkedHashMap<>();
        OPERATION_COUNTERS.forEach(name -> counters.put(name, 0L));
        return counters;
    }

    /** A restart: what mongod keeps on disk (config, term, data, oplog) stays, everything else starts over. */
    void started(Instant now) {
        running = true;
        startedAt = now;
        processId = new ObjectId();
        topologyCounter = 0;
        announcedState = null;
        primary = false;
        electionDate = null;
        unelectableUntil = Instant.MIN;
        frozenUntil = Instant.MIN;
        majorityLostSince = null;
        lastHeard.clear();
    }

    void stopped() {
        running = false;
        primary = false;
        fsyncLockCount = 0;
    }

    MemberState state() {
        if (config == null) {
            return MemberState.STARTUP;
        }
        Optional<MemberConfig> self = config.member(host);
        if (self.isEmpty()) {
            return MemberState.REMOVED;
        }
        if (primary) {
            return MemberState.PRIMARY;
        }
        return self.get().arbiterOnly() ? MemberState.ARBITER : MemberState.SECONDARY;
    }

    Optional<MemberConfig> selfConfig() {
        return config == null ? Optional.empty() : config.member(host);
    }

    /** Initiated and listed in its own config: neither fresh nor REMOVED. */
    boolean isActiveMember() {
        return selfConfig().isPresent();
    }

    boolean isDataBearing() {
        return selfConfig().map(MemberConfig::isDataBearing).orElse(false);
    }

    double priority() {
        return selfConfig().map(MemberConfig::priority).orElse(0.0);
    }

    /** Electable and willing: a secondary with priority, outside any stepdown or freeze period. */
    boolean canStandForElection(Instant now) {
        return running
                && state() == MemberState.SECONDARY
                && selfConfig().map(MemberConfig::isElectable).orElse(false)
                && !now.isBefore(unelectableUntil)
                && !now.isBefore(frozenUntil);
    }

    OpTime lastApplied() {
        return storage.lastApplied();
    }

    void count(String counter, long amount) {
        opcounters.merge(counter, amount, Long::sum);
    }

    Document topologyVersion() {
        return new Document("processId", processId).append("counter", topologyCounter);
    }

    /**
     * Bumps the topologyVersion when what hello shows of the set has changed since last time, as mongod does, so that
     * drivers waiting in an awaitable hello hear of it. Returns whether it did.
     */
    boolean settleTopologyVersion(Document helloVisibleState) {
        if (helloVisibleState.equals(announcedState)) {
            return false;
        }
        if (announcedState != null) {
            topologyCounter++;
        }
        announcedState = helloVisibleState;
        return true;
    }
}
