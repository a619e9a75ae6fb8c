package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the members of a replica set see of each other: which are up (a running member reaches every other running
 * member; there are no partitions), the heartbeats that carry configs and terms between them, replication from the
 * primary, and elections.
 *
 * <p>Its monitor guards all replication state: every command runs holding it, and whatever waits (an awaitable hello,
 * a write behind an fsync lock or waiting for its write concern) waits on it. A heartbeat every
 * {@link #heartbeatInterval} settles what happened since the last one: members adopt the newest config and term, catch
 * up from the primary, and, once no primary has been seen for the config's election timeout, elect one.
 */
final class ReplicaSetNetwork implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaSetNetwork.class);

    final Clock clock = Clock.systemUTC();
    final Duration heartbeatInterval;
    private final Duration defaultElectionTimeout;
    private final Map<String, ReplicaSetNode> nodes = new LinkedHashMap<>();
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "mongo-replica-set-heartbeat");
        thread.setDaemon(true);
        return thread;
    });
    /** When members without a primary call an election; null while there is a primary. */
    private Instant electionDueAt;
    /** The member an initiate or an election handoff asked to stand, preferred among equals. */
    private String preferredCandidate;

    private BsonTimestamp lastTimestamp = new BsonTimestamp(0);

    ReplicaSetNetwork(Duration defaultElectionTimeout, Duration heartbeatInterval) {
        this.defaultElectionTimeout = defaultElectionTimeout;
        this.heartbeatInterval = heartbeatInterval;
        long millis = heartbeatInterval.toMillis();
        heartbeats.scheduleWithFixedDelay(this::heartbeat, millis, millis, TimeUnit.MILLISECONDS);
    }

    Instant now() {
        return clock.instant();
    }

    synchronized void add(ReplicaSetNode node) {
        nodes.put(node.host, node);
    }

    synchronized Optional<ReplicaSetNode> reachable(String host) {
        return Optional.ofNullable(nodes.get(host)).filter(node -> node.running);
    }

    synchronized List<ReplicaSetNode> running() {
        return nodes.values().stream().filter(node -> node.running).toList();
    }

    /** The settings mongod fills in, but with this network's election timeout and heartbeat interval. */
    Document defaultSettings(Object replicaSetId) {
        return new Document("chainingAllowed", true)
                .append("heartbeatIntervalMillis", heartbeatInterval.toMillis())
                .append("heartbeatTimeoutSecs", 10)
                .append("electionTimeoutMillis", defaultElectionTimeout.toMillis())
                .append("catchUpTimeoutMillis", -1L)
                .append("catchUpTakeoverDelayMillis", 30000L)
                .append("getLastErrorModes", new Document())
                .append("getLastErrorDefaults", new Document("w", 1).append("wtimeout", 0))
                .append("replicaSetId", replicaSetId);
    }

    /** The next oplog position: timestamps advance with the clock and never repeat. */
    synchronized OpTime nextOpTime(long term) {
        int seconds = (int) now().getEpochSecond();
        lastTimestamp = seconds > lastTimestamp.getTime()
                ? new BsonTimestamp(Instant.ofEpochSecond(seconds), 1)
                : new BsonTimestamp(Instant.ofEpochSecond(lastTimestamp.getTime()), lastTimestamp.getInc() + 1);
        return new OpTime(lastTimestamp, term);
    }

    synchronized BsonTimestamp clusterTime() {
        return lastTimestamp;
    }

    /** The primary {@code node} knows of: a running primary of its own config. */
    synchronized Optional<ReplicaSetNode> primaryOf(ReplicaSetNode node) {
        if (!node.isActiveMember()) {
            return Optional.empty();
        }
        return running().stream()
                .filter(other -> other.primary && node.config.contains(other.host))
                .findFirst();
    }

    synchronized void started(ReplicaSetNode node) {
        node.started(now());
        settle();
    }

    /** How mongod words a heartbeat or quorum check that found a member down. */
    static String connectionRefused(String host) {
        return "Error connecting to " + host + " :: caused by :: Connection refused";
    }

    /** A clean shutdown hands the primary's role over at once, as mongod's election handoff does; a kill does not. */
    synchronized void stopping(ReplicaSetNode node, boolean handOver) {
        if (node.primary) {
            stepDown(node, Duration.ZERO, handOver);
        }
        node.stopped();
        settle();
    }

    synchronized void initiate(ReplicaSetNode initiator, ReplicaSetConfig config) {
        initiator.config = config;
        initiator.storage.append(OplogEntry.noop(nextOpTime(ReplicaSetConfig.UNINITIALIZED_TERM), "initiating set"));
        for (MemberConfig member : config.members()) {
            reachable(member.host()).filter(node -> node != initiator).ifPresent(node -> {
                node.config = config;
                if (member.isDataBearing()) {
                    node.storage.copyFrom(initiator.storage);
                }
            });
        }
        electionDueAt = now();
        preferredCandidate = initiator.host;
        settle();
    }

    /** Installs a new config on the primary and every running member it names; newly added ones sync at once. */
    synchronized void reconfigure(ReplicaSetNode primary, ReplicaSetConfig config) {
        propagate(config);
        if (primary.primary) {
            replicateFrom(primary);
        }
        settle();
    }

    synchronized void stepDown(ReplicaSetNode node, Duration unelectableFor, boolean handOver) {
        Instant now = now();
        node.primary = false;
        node.electionDate = null;
        node.unelectableUntil = now.plus(unelectableFor);
        electionDueAt = handOver ? now : now.plus(node.config.electionTimeout());
        preferredCandidate = null;
        settle();
    }

    /** Gives the primary's new entries their oplog positions and replicates them to the caught-up secondaries. */
    synchronized OpTime append(ReplicaSetNode primary, List<MemberStorage.Change> changes) {
        for (MemberStorage.Change change : changes) {
            primary.storage.append(change.at(nextOpTime(primary.term)));
        }
        replicateFrom(primary);
        notifyAll();
        return primary.lastApplied();
    }

    /** How many data-bearing members (voters only, if asked) of {@code config} have applied {@code opTime}. */
    synchronized int acknowledged(ReplicaSetConfig config, OpTime opTime, boolean votersOnly) {
        return (int) config.members().stream()
                .filter(member -> member.isDataBearing() && (member.isVoter() || !votersOnly))
                .filter(member -> Optional.ofNullable(nodes.get(member.host()))
                        .map(node -> node.lastApplied().isAtLeast(opTime))
                        .orElse(false))
                .count();
    }

    /** The newest position a write majority of {@code config} has applied: the majority commit point. */
    synchronized OpTime majorityCommitted(ReplicaSetConfig config) {
        List<OpTime> applied = config.members().stream()
                .filter(member -> member.isDataBearing() && member.isVoter())
                .map(member -> Optional.ofNullable(nodes.get(member.host()))
                        .map(ReplicaSetNode::lastApplied)
                        .orElse(OpTime.NONE))
                .sorted(Comparator.reverseOrder())
                .toList();
        int needed = config.writeMajorityCount();
        return applied.size() < needed ? OpTime.NONE : applied.get(needed - 1);
    }

    private void heartbeat() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.error("replica-set heartbeat failed", e);
        }
    }

    private synchronized void tick() {
        Instant now = now();
        List<ReplicaSetNode> up = running();
        exchangeHeartbeats(up, now);
        up.stream().filter(node -> node.primary).findFirst().ifPresent(primary -> holdOrLoseMajority(primary, up, now));
        Optional<ReplicaSetNode> primary =
                up.stream().filter(node -> node.primary).findFirst();
        if (primary.isPresent()) {
            electionDueAt = null;
            replicateFrom(primary.get());
            considerPriorityTakeover(primary.get(), up, now);
        } else {
            callElectionIfDue(up, now);
        }
        settle();
    }

    private void exchangeHeartbeats(List<ReplicaSetNode> up, Instant now) {
        for (ReplicaSetNode node : up) {
            up.stream().filter(peer -> peer != node).forEach(peer -> node.lastHeard.put(peer.host, now));
        }
        newestConfig(up).ifPresent(this::propagate);
        long highestTerm = up.stream()
                .filter(ReplicaSetNode::isActiveMember)
                .mapToLong(node -> node.term)
                .max()
                .orElse(0);
        for (ReplicaSetNode node : up) {
            if (node.isActiveMember() && node.term < highestTerm) {
                node.term = highestTerm;
                if (node.primary) {
                    stepDown(node, Duration.ZERO, false);
                }
            }
        }
    }

    private Optional<ReplicaSetConfig> newestConfig(List<ReplicaSetNode> up) {
        return up.stream()
                .map(node -> node.config)
                .filter(config -> config != null)
                .reduce((a, b) -> b.isNewerThan(a) ? b : a);
    }

    /** Heartbeats carry the newest config to every running member started with its set name. */
    private void propagate(ReplicaSetConfig config) {
        for (ReplicaSetNode node : running()) {
            boolean adopts = node.config == null ? config.contains(node.host) : config.isNewerThan(node.config);
            if (!adopts || !node.replSetName.equals(config.name())) {
                continue;
            }
            if (node.config == null) {
                node.term = Math.max(node.term, config.term());
            }
            node.config = config;
            if (node.primary
                    && !node.selfConfig().map(MemberConfig::isElectable).orElse(false)) {
                stepDown(node, Duration.ZERO, false);
            }
        }
    }

    /** A primary that cannot see a majority of voters for an election timeout steps down, as mongod's does. */
    private void holdOrLoseMajority(ReplicaSetNode primary, List<ReplicaSetNode> up, Instant now) {
        if (votersUp(primary.config, up).size() >= primary.config.majorityVoteCount()) {
            primary.majorityLostSince = null;
        } else if (primary.majorityLostSince == null) {
            primary.majorityLostSince = now;
        } else if (!now.isBefore(primary.majorityLostSince.plus(primary.config.electionTimeout()))) {
            stepDown(primary, Duration.ZERO, false);
        }
    }

    private List<ReplicaSetNode> votersUp(ReplicaSetConfig config, List<ReplicaSetNode> up) {
        return up.stream()
                .filter(node -> node.isActiveMember()
                        && config.member(node.host).map(MemberConfig::isVoter).orElse(false))
                .toList();
    }

    private void replicateFrom(ReplicaSetNode primary) {
        for (ReplicaSetNode node : running()) {
            if (node != primary
                    && node.isDataBearing()
                    && node.fsyncLockCount == 0
                    && primary.config.contains(node.host)) {
                catchUp(node, primary);
            }
        }
    }

    /**
     * Applies what {@code node} misses of {@code source}'s oplog; a member that has nothing, or whose last entry the
     * source does not have (it diverged, as an old primary's unreplicated writes do), copies everything instead: an
     * initial sync standing in for both initial sync and rollback.
     */
    private void catchUp(ReplicaSetNode node, ReplicaSetNode source) {
        Optional<List<OplogEntry>> missing =
                node.storage.hasAppliedNothing() ? Optional.empty() : source.storage.entriesAfter(node.lastApplied());
        if (missing.isEmpty()) {
            node.storage.copyFrom(source.storage);
            return;
        }
        for (OplogEntry entry : missing.get()) {
            node.storage.apply(entry);
            node.opcountersRepl.merge(replicationCounter(entry.op()), 1L, Long::sum);
        }
    }

    private static String replicationCounter(String op) {
        return switch (op) {
            case "i" -> "insert";
            case "u" -> "update";
            case "d" -> "delete";
            default -> "command";
        };
    }

    private void callElectionIfDue(List<ReplicaSetNode> up, Instant now) {
        Optional<ReplicaSetConfig> config = newestConfig(up);
        if (config.isEmpty()) {
            return;
        }
        if (electionDueAt == null) {
            electionDueAt = now.plus(config.get().electionTimeout());
            return;
        }
        if (now.isBefore(electionDueAt)) {
            return;
        }
        electionWinner(config.get(), up, now)
                .ifPresentOrElse(
                        winner -> elect(winner, up, now),
                        () -> electionDueAt = now.plus(config.get().electionTimeout()));
    }

    /**
     * The member that wins: it must stand (electable, outside stepdown and freeze) and get the votes of a majority of
     * voters, each of which votes only for a candidate at least as up to date as itself. Among those, the highest
     * priority wins, then the freshest oplog.
     */
    private Optional<ReplicaSetNode> electionWinner(ReplicaSetConfig config, List<ReplicaSetNode> up, Instant now) {
        List<ReplicaSetNode> voters = votersUp(config, up);
        int majority = config.majorityVoteCount();
        if (voters.size() < majority) {
            return Optional.empty();
        }
        return up.stream()
                .filter(candidate -> candidate.canStandForElection(now))
                .filter(candidate -> voters.stream()
                                .filter(voter -> candidate.lastApplied().isAtLeast(voter.lastApplied()))
                                .count()
                        >= majority)
                .max(Comparator.comparingDouble(ReplicaSetNode::priority)
                        .thenComparing(ReplicaSetNode::lastApplied)
                        .thenComparing(candidate -> candidate.host.equals(preferredCandidate))
                        .thenComparing(candidate ->
                                -candidate.selfConfig().orElseThrow().id()));
    }

    private void elect(ReplicaSetNode winner, List<ReplicaSetNode> up, Instant now) {
        long term = up.stream()
                        .filter(ReplicaSetNode::isActiveMember)
                        .mapToLong(node -> node.term)
                        .max()
                        .orElse(0)
                + 1;
        // a new primary writes its config again under the new term, as mongod 4.4+ does on stepping up
        ReplicaSetConfig config = winner.config.withTerm(term);
        for (ReplicaSetNode node : up) {
            if (node.isActiveMember()) {
                node.term = term;
                node.primary = false;
                node.config = config;
            }
        }
        winner.primary = true;
        winner.electionDate = now;
        winner.majorityLostSince = null;
        winner.electionOpTime = nextOpTime(term);
        winner.storage.append(OplogEntry.noop(winner.electionOpTime, "new primary"));
        electionDueAt = null;
        preferredCandidate = null;
        replicateFrom(winner);
    }

    /** A caught-up member with a higher priority than the primary's takes over, once the primary has settled in. */
    private void considerPriorityTakeover(ReplicaSetNode primary, List<ReplicaSetNode> up, Instant now) {
        if (primary.electionDate == null || now.isBefore(primary.electionDate.plus(primary.config.electionTimeout()))) {
            return;
        }
        up.stream()
                .filter(candidate -> candidate.canStandForElection(now)
                        && candidate.priority() > primary.priority()
                        && candidate.lastApplied().isAtLeast(primary.lastApplied()))
                .max(Comparator.comparingDouble(ReplicaSetNode::priority))
                .ifPresent(candidate -> elect(candidate, up, now));
    }

    /** Bumps the topologyVersion of every member whose hello changed, and wakes everything that waits. */
    private void settle() {
        for (ReplicaSetNode node : running()) {
            Document visible = new Document("state", node.state().name())
                    .append("config", node.config == null ? null : node.config.versionAndTerm())
                    .append(
                            "primary",
                            primaryOf(node).map(primary -> primary.host).orElse(null));
            node.settleTopologyVersion(visible);
        }
        notifyAll();
    }

    /**
     * Waits, holding this monitor, until something changes or {@code deadline} passes; callers check their condition
     * again after. An interrupt (the fixture closing) ends the wait with the flag kept.
     */
    synchronized void awaitChange(Instant deadline) {
        long millis = Duration.between(now(), deadline).toMillis();
        if (millis <= 0 || Thread.currentThread().isInterrupted()) {
            return;
        }
        try {
            wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Wakes whatever waits on replication state after a change that needs no topology bookkeeping. */
    synchronized void changed() {
        notifyAll();
    }

    @Override
    public void close() {
        heartbeats.shutdownNow();
    }
}
