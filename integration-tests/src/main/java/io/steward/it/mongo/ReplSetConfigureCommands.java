package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * One member's config commands, replSetInitiate, replSetReconfig and replSetGetConfig, with the checks, error codes and
 * messages of mongod 7.0. Installing a config is immediate (there is no window in which a reconfig is still in
 * progress, so ConfigurationInProgress never happens).
 */
final class ReplSetConfigureCommands {
    private static final int MAX_FORCED_VERSION_JUMP = 100_000;

    private final ReplicaSetNetwork network;
    private final ReplicaSetNode node;

    ReplSetConfigureCommands(ReplicaSetNetwork network, ReplicaSetNode node) {
        this.network = network;
        this.node = node;
    }

    Document initiate(Document command) {
        if (node.config != null) {
            throw new CommandFailure(ErrorCode.ALREADY_INITIALIZED, "already initialized")
                    .with("info", "try querying local.system.replset to see current configuration");
        }
        Document reply = new Document();
        Document raw;
        if (command.get("replSetInitiate") instanceof Document given) {
            raw = given.clone();
            raw.putIfAbsent("version", 1);
        } else {
            raw = new Document("_id", node.replSetName)
                    .append("version", 1)
                    .append("members", List.of(new Document("_id", 0).append("host", node.host)));
            reply.put("info2", "no configuration specified. Using a default configuration for the set");
            reply.put("me", node.host);
        }
        ReplicaSetConfig config = parsed(raw, 0, new ObjectId(), ErrorCode.INVALID_REPLICA_SET_CONFIG);
        if (!config.name().equals(node.replSetName)) {
            throw new CommandFailure(
                    ErrorCode.INVALID_REPLICA_SET_CONFIG,
                    "Attempting to initiate a replica set with name " + config.name() + ", but command line reports "
                            + node.replSetName + "; rejecting");
        }
        validated(config, ErrorCode.INVALID_REPLICA_SET_CONFIG);
        if (config.version() != 1) {
            throw new CommandFailure(
                    ErrorCode.INVALID_REPLICA_SET_CONFIG,
                    "Configuration used to initiate a replica " + "set must  have version 1, but found "
                            + config.version());
        }
        requireElectableSelf(config, ErrorCode.INVALID_REPLICA_SET_CONFIG);
        checkQuorumForInitiate(config);
        network.initiate(node, config);
        reply.put("ok", 1.0);
        return reply;
    }

    /** mongod's quorum check for initiate: every proposed member answers, is fresh, empty and of this set. */
    private void checkQuorumForInitiate(ReplicaSetConfig config) {
        List<String> failures = new ArrayList<>();
        for (MemberConfig member : config.members()) {
            if (member.host().equals(node.host)) {
                continue;
            }
            var peer = network.reachable(member.host());
            if (peer.isEmpty()) {
                failures.add(member.host() + " failed with " + ReplicaSetNetwork.connectionRefused(member.host()));
                continue;
            }
            if (!peer.get().replSetName.equals(config.name())) {
                throw new CommandFailure(
                        ErrorCode.NEW_REPLICA_SET_CONFIGURATION_INCOMPATIBLE,
                        "Our set name did not match that of " + member.host());
            }
            if (peer.get().config != null) {
                throw new CommandFailure(
                        ErrorCode.NEW_REPLICA_SET_CONFIGURATION_INCOMPATIBLE,
                        "Our config version of 1 is no larger than the version on " + member.host() + ", which is "
                                + peer.get().config.version());
            }
            if (peer.get().storage.hasData()) {
                throw new CommandFailure(
                        ErrorCode.CANNOT_INITIALIZE_NODE_WITH_DATA,
                        "'" + member.host() + "' has data already, cannot initiate set.");
            }
        }
        if (!failures.isEmpty()) {
            throw new CommandFailure(
                    ErrorCode.NODE_NOT_FOUND,
                    "replSetInitiate quorum check failed because not all "
                            + "proposed set members responded affirmatively: " + String.join(", ", failures));
        }
    }

    Document reconfig(Document command) {
        if (node.config == null) {
            throw CommandFailure.notYetInitialized();
        }
        if (!(command.get("replSetReconfig") instanceof Document raw)) {
            return new Document("ok", 0.0).append("errmsg", "no configuration specified");
        }
        boolean force = CommandArguments.isTrue(command.get("force"));
        if (!force && !node.primary) {
            throw new CommandFailure(
                    ErrorCode.NOT_WRITABLE_PRIMARY,
                    "New config is rejected :: caused by :: "
                            + "replSetReconfig should only be run on a writable PRIMARY. Current state "
                            + node.state().displayName + ";");
        }
        ReplicaSetConfig current = node.config;
        ReplicaSetConfig proposed = parsed(
                raw,
                force ? ReplicaSetConfig.UNINITIALIZED_TERM : node.term,
                current.replicaSetId(),
                ErrorCode.INVALID_REPLICA_SET_CONFIG);
        if (force) {
            // mongod adds a random amount so that a forced config wins over any a partitioned primary writes
            proposed = proposed.withVersion(
                    proposed.version() + ThreadLocalRandom.current().nextInt(1, MAX_FORCED_VERSION_JUMP));
        }
        if (!proposed.name().equals(node.replSetName)) {
            throw new CommandFailure(
                    ErrorCode.INVALID_REPLICA_SET_CONFIG,
                    "Attempting to reconfigure a replica set "
                            + "with name " + proposed.name() + ", but command line reports " + node.replSetName
                            + "; rejecting");
        }
        validated(proposed, ErrorCode.NEW_REPLICA_SET_CONFIGURATION_INCOMPATIBLE);
        checkSuccession(current, proposed, force);
        if (!force) {
            requireElectableSelf(proposed, ErrorCode.NEW_REPLICA_SET_CONFIGURATION_INCOMPATIBLE);
            checkQuorumForReconfig(proposed);
        }
        network.reconfigure(node, proposed);
        return new Document("ok", 1.0);
    }

    /** mongod's rules for what may follow a config (validateConfigForReconfig). */
    private void checkSuccession(ReplicaSetConfig current, ReplicaSetConfig proposed, boolean force) {
        if (!force && !proposed.isNewerThan(current)) {
            throw incompatible("New replica set configuration version and term must be greater than old, but "
                    + proposed.versionAndTerm() + " is not greater than " + current.versionAndTerm()
                    + " for replica set " + proposed.name());
        }
        if (!proposed.replicaSetId().equals(current.replicaSetId())) {
            throw incompatible("New and old configurations differ in replica set ID; old was " + current.replicaSetId()
                    + ", and new is " + proposed.replicaSetId());
        }
        for (MemberConfig next : proposed.members()) {
            for (MemberConfig previous : current.members()) {
                boolean sameHost = previous.host().equals(next.host());
                if (sameHost && previous.id() != next.id()) {
                    throw incompatible("New and old configurations both have members with host of " + next.host()
                            + " but in the new configuration the _id field is " + next.id()
                            + " and in the old configuration it is " + previous.id() + " for replica set "
                            + proposed.name());
                }
                if (sameHost && previous.buildIndexes() != next.buildIndexes()) {
                    throw incompatible("New and old configurations differ in the setting of the buildIndexes field "
                            + "for member " + next.host() + "; to make this change, remove then re-add the member");
                }
                if (sameHost && previous.arbiterOnly() != next.arbiterOnly()) {
                    throw incompatible("New and old configurations differ in the setting of the arbiterOnly field "
                            + "for member " + next.host() + "; to make this change, remove then re-add the member");
                }
            }
        }
        if (!force
                && votingIds(current).size()
                                + votingIds(proposed).size()
                                - 2
                                        * intersection(votingIds(current), votingIds(proposed))
                                                .size()
                        > 1) {
            throw incompatible("Non force replica set reconfig can only add or remove at most 1 voting member.");
        }
    }

    private static Set<Integer> votingIds(ReplicaSetConfig config) {
        return config.members().stream()
                .filter(MemberConfig::isVoter)
                .map(MemberConfig::id)
                .collect(Collectors.toSet());
    }

    private static Set<Integer> intersection(Set<Integer> a, Set<Integer> b) {
        Set<Integer> both = new HashSet<>(a);
        both.retainAll(b);
        return both;
    }

    /** mongod's quorum check for reconfig: a majority of the new config's voters and one electable member answer. */
    private void checkQuorumForReconfig(ReplicaSetConfig proposed) {
        List<String> voters = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        boolean electableResponded = false;
        for (MemberConfig member : proposed.members()) {
            var peer = network.reachable(member.host());
            if (peer.isEmpty()) {
                failures.add(member.host() + " failed with " + ReplicaSetNetwork.connectionRefused(member.host()));
                continue;
            }
            if (!peer.get().replSetName.equals(proposed.name())) {
                throw incompatible("Our set name did not match that of " + member.host());
            }
            electableResponded |= member.isElectable();
            if (member.isVoter()) {
                voters.add(member.host());
            }
        }
        if (!electableResponded) {
            throw new CommandFailure(
                    ErrorCode.NODE_NOT_FOUND,
                    "Quorum check failed because no electable nodes " + "responded; at least one required for config");
        }
        if (voters.size() < proposed.majorityVoteCount()) {
            throw new CommandFailure(
                    ErrorCode.NODE_NOT_FOUND,
                    "Quorum check failed because not enough voting nodes "
                            + "responded; required " + proposed.majorityVoteCount() + " but "
                            + (voters.isEmpty()
                                    ? "none responded"
                                    : "only the following " + voters.size() + " voting nodes responded: "
                                            + String.join(", ", voters))
                            + (failures.isEmpty()
                                    ? ""
                                    : "; the following nodes did not respond affirmatively: "
                                            + String.join(", ", failures)));
        }
    }

    private ReplicaSetConfig parsed(Document raw, long term, Object replicaSetId, ErrorCode error) {
        try {
            return ReplicaSetConfig.parse(raw, term, network.defaultSettings(replicaSetId));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(error, e.getMessage());
        }
    }

    private static void validated(ReplicaSetConfig config, ErrorCode error) {
        try {
            config.validate();
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(error, e.getMessage());
        }
    }

    private void requireElectableSelf(ReplicaSetConfig config, ErrorCode error) {
        MemberConfig self = config.member(node.host)
                .orElseThrow(() -> new CommandFailure(
                        error,
                        "No host described in new configuration with " + config.versionAndTerm() + " for replica set "
                                + config.name() + " maps to this node"));
        if (!self.isElectable()) {
            throw new CommandFailure(
                    error,
                    "This node, " + node.host + ", with _id " + self.id()
                            + " is not electable under the new configuration with " + config.versionAndTerm()
                            + " for replica set " + config.name());
        }
    }

    private static CommandFailure incompatible(String message) {
        return new CommandFailure(ErrorCode.NEW_REPLICA_SET_CONFIGURATION_INCOMPATIBLE, message);
    }

    Document getConfig(Document command) {
        if (node.config == null) {
            throw CommandFailure.notYetInitialized();
        }
        Document reply = new Document("config", node.config.toDocument());
        if (CommandArguments.isTrue(command.get("commitmentStatus"))) {
            // configs are installed on every reachable member at once, so any config this member has is committed
            reply.put("commitmentStatus", true);
        }
        reply.put("ok", 1.0);
        return reply;
    }
}
