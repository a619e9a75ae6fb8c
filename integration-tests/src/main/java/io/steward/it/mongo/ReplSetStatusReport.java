package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * replSetGetStatus as one member sees the set: itself, the members it hears heartbeats from (with their optimes, so
 * replication lag shows), and the ones it cannot reach (health 0, state 8, the last time it heard from them).
 */
final class ReplSetStatusReport {
    private final ReplicaSetNetwork network;
    private final ReplicaSetNode node;

    ReplSetStatusReport(ReplicaSetNetwork network, ReplicaSetNode node) {
        this.network = network;
        this.node = node;
    }

    Document build() {
        if (node.config == null) {
            throw CommandFailure.notYetInitialized();
        }
        if (!node.isActiveMember()) {
            throw new CommandFailure(
                            ErrorCode.INVALID_REPLICA_SET_CONFIG,
                            "Our replica set config is invalid or we are not a member of it")
                    .with("state", MemberState.REMOVED.code)
                    .with("stateStr", MemberState.REMOVED.displayName)
                    .with("uptime", uptime(node))
                    .with("optime", node.lastApplied().toDocument())
                    .with("optimeDate", node.lastApplied().date());
        }
        Instant now = network.now();
        ReplicaSetConfig config = node.config;
        Optional<ReplicaSetNode> primary = network.primaryOf(node);
        OpTime committed = network.majorityCommitted(config);
        List<Document> members = new ArrayList<>();
        for (MemberConfig member : config.members()) {
            if (member.host().equals(node.host)) {
                members.add(self(member, primary));
            } else {
                Optional<ReplicaSetNode> peer =
                        network.reachable(member.host()).filter(reached -> reached.replSetName.equals(config.name()));
                members.add(peer.isPresent() ? reachable(member, peer.get(), primary, now) : unreachable(member));
            }
        }
        return new Document("set", config.name())
                .append("date", now)
                .append("myState", node.state().code)
                .append("term", node.term)
                .append(
                        "syncSourceHost",
                        syncSource(primary).map(source -> source.host).orElse(""))
                .append(
                        "syncSourceId",
                        syncSource(primary)
                                .flatMap(ReplicaSetNode::selfConfig)
                                .map(MemberConfig::id)
                                .orElse(-1))
                .append("heartbeatIntervalMillis", config.heartbeatInterval().toMillis())
                .append("majorityVoteCount", config.majorityVoteCount())
                .append("writeMajorityCount", config.writeMajorityCount())
                .append("votingMembersCount", (int)
                        config.members().stream().filter(MemberConfig::isVoter).count())
                .append("writableVotingMembersCount", (int) config.members().stream()
                        .filter(m -> m.isVoter() && m.isDataBearing())
                        .count())
                .append(
                        "optimes",
                        new Document("lastCommittedOpTime", committed.toDocument())
                                .append("lastCommittedWallTime", committed.date())
                                .append("appliedOpTime", node.lastApplied().toDocument())
                                .append("durableOpTime", node.lastApplied().toDocument())
                                .append(
                                        "lastAppliedWallTime",
                                        node.lastApplied().date())
                                .append(
                                        "lastDurableWallTime",
                                        node.lastApplied().date()))
                .append("members", members)
                .append("ok", 1.0);
    }

    /** A secondary replicates from the primary; a primary, an arbiter or a member without primary from no one. */
    private Optional<ReplicaSetNode> syncSource(Optional<ReplicaSetNode> primary) {
        return node.isDataBearing() && !node.primary ? primary : Optional.empty();
    }

    private Document self(MemberConfig member, Optional<ReplicaSetNode> primary) {
        Document status = new Document("_id", member.id())
                .append("name", member.host())
                .append("health", 1.0)
                .append("state", node.state().code)
                .append("stateStr", node.state().displayName)
                .append("uptime", uptime(node));
        appendOptime(status, node);
        status.append(
                        "syncSourceHost",
                        syncSource(primary).map(source -> source.host).orElse(""))
                .append(
                        "syncSourceId",
                        syncSource(primary)
                                .flatMap(ReplicaSetNode::selfConfig)
                                .map(MemberConfig::id)
                                .orElse(-1))
                .append("infoMessage", "");
        appendElection(status, node);
        return status.append("configVersion", node.config.version())
                .append("configTerm", node.config.term())
                .append("self", true)
                .append("lastHeartbeatMessage", "");
    }

    private Document reachable(
            MemberConfig member, ReplicaSetNode peer, Optional<ReplicaSetNode> primary, Instant now) {
        Document status = new Document("_id", member.id())
                .append("name", member.host())
                .append("health", 1.0)
                .append("state", peer.state().code)
                .append("stateStr", peer.state().displayName)
                .append("uptime", uptime(peer));
        appendOptime(status, peer);
        Optional<ReplicaSetNode> peerSource = peer.isDataBearing() && !peer.primary ? primary : Optional.empty();
        status.append("lastHeartbeat", node.lastHeard.getOrDefault(peer.host, now))
                .append("lastHeartbeatRecv", peer.lastHeard.getOrDefault(node.host, now))
                .append("pingMs", 0L)
                .append("lastHeartbeatMessage", "")
                .append("syncSourceHost", peerSource.map(source -> source.host).orElse(""))
                .append(
                        "syncSourceId",
                        peerSource
                                .flatMap(ReplicaSetNode::selfConfig)
                                .map(MemberConfig::id)
                                .orElse(-1))
                .append("infoMessage", "");
        appendElection(status, peer);
        return status.append("configVersion", peer.config == null ? -1 : peer.config.version())
                .append("configTerm", peer.config == null ? -1 : peer.config.term());
    }

    private Document unreachable(MemberConfig member) {
        Instant epoch = Instant.EPOCH;
        return new Document("_id", member.id())
                .append("name", member.host())
                .append("health", 0.0)
                .append("state", MemberState.DOWN.code)
                .append("stateStr", MemberState.DOWN.displayName)
                .append("uptime", 0L)
                .append("optime", OpTime.NONE.toDocument())
                .append("optimeDurable", OpTime.NONE.toDocument())
                .append("optimeDate", epoch)
                .append("optimeDurableDate", epoch)
                .append("lastAppliedWallTime", epoch)
                .append("lastDurableWallTime", epoch)
                .append("lastHeartbeat", node.lastHeard.getOrDefault(member.host(), epoch))
                .append("lastHeartbeatRecv", epoch)
                .append("pingMs", 0L)
                .append("lastHeartbeatMessage", ReplicaSetNetwork.connectionRefused(member.host()))
                .append("syncSourceHost", "")
                .append("syncSourceId", -1)
                .append("infoMessage", "")
                .append("configVersion", -1)
                .append("configTerm", -1);
    }

    /** Arbiters hold no data, so mongod reports no optime for them. */
    private static void appendOptime(Document status, ReplicaSetNode member) {
        if (!member.isDataBearing()) {
            return;
        }
        OpTime applied = member.lastApplied();
        status.append("optime", applied.toDocument())
                .append("optimeDurable", applied.toDocument())
                .append("optimeDate", applied.date())
                .append("optimeDurableDate", applied.date())
                .append("lastAppliedWallTime", applied.date())
                .append("lastDurableWallTime", applied.date());
    }

    private static void appendElection(Document status, ReplicaSetNode member) {
        if (member.primary && member.electionOpTime != null) {
            BsonTimestamp electionTime = member.electionOpTime.timestamp();
            status.append("electionTime", electionTime).append("electionDate", member.electionDate);
        }
    }

    private long uptime(ReplicaSetNode member) {
        return Duration.between(member.startedAt, network.now()).toSeconds();
    }
}
