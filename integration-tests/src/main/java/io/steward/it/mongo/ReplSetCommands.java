package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * The replica-set administration commands of one member: replSetInitiate, replSetReconfig, replSetGetConfig,
 * replSetStepDown and replSetFreeze, with the checks, error codes and messages of mongod 7.0. Installing a config is
 * immediate (there is no window in which a reconfig is still in progress, so ConfigurationInProgress never happens).
 */
final class ReplSetCommands {
    private static final long DEFAULT_STEP_DOWN_SECS = 60;
    private static final long DEFAULT_CATCH_UP_SECS = 10;
    private static final int MAX_FORCED_VERSION_JUMP = 100_000;

    private final ReplicaSetNetwork network;
    private final ReplicaSetNode node;

    ReplSetCommands(ReplicaSetNetwork network, ReplicaSetNode node) {
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
            raw = new Document("_id", node.replSetName).append("version", 1)
                    .append("members", List.of(new Document("_id", 0).append("host", node.host)));
            reply.put("info2", "no configuration specified. Using a default configuration for the set");
            reply.put("me", node.host);
        }
        ReplicaSetConfig config = parsed(raw, 0, new ObjectId(), ErrorCode.INVALID_REPLICA_SET_CONFIG);
        if (!config.name().equals(node.replSetName)) {
            throw new CommandFailure(ErrorCode.INVALID_REPLICA_SET_CONFIG, "Attempting to initiate a replica set with name "
                    + config.name() + ", but command line reports " + node.replSetName + "; rejecting");
        }
        validated(config, ErrorCode.INVALID_REPLICA_SET_CONFIG);
        if (config.version() != 1) {
            throw new CommandFailure(ErrorCode.INVALID_REPLICA_SET_CONFIG, "Configuration used to initiate a replica "
                    + "set must  have version 1, but found " + config.version());
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
                failures.add(member.host() + " failed with " + connectionRefused(member.host()));
                continue;
            }
            if (!peer.get().replSetName.equals(config.name())) {
                throw new CommandFailure(ErrorCode.NEW_REPLICA_SET_CONFIGURATION_INCOMPATIBLE,
                        "Our set name did not match that of " + member.host());
            }
            if (peer.get().config != null) {
                throw new CommandFailure(ErrorCode.NEW_REPLICA_SET_CONFIGURATION_INCOMPATIBLE,
                        "Our config version of 1 is no larger than the version on " + member.host() + ", which is "
                                + peer.get().config.version());
            }
            if (peer.get().storage.hasData()) {
                throw new CommandFailure(ErrorCode.CANNOT_INITIALIZE_NODE_WITH_DATA,
                        "'" + member.host() + "' has data already, cannot initiate set.");
            }
        }
        if (!failures.isEmpty()) {
            throw new CommandFailure(ErrorCode.NODE_NOT_FOUND, "replSetInitiate quorum check failed because not all "
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
        boolean force = isTrue(command.get("force"));
        if (!force && !node.primary) {
            throw new CommandFailure(ErrorCode.NOT_WRITABLE_PRIMARY, "New config is rejected :: caused by :: "
                    + "replSetReconfig should only be run on a writable PRIMARY. Current state "
                    + node.state().displayName + ";");
        }
        ReplicaSetConfig current = node.config;
        ReplicaSetConfig proposed = parsed(raw, force ? ReplicaSetConfig.UNINITIALIZED_TERM : node.term,
                current.replicaSetId(), ErrorCode.INVALID_REPLICA_SET_CONFIG);
        if (force) {
            // mongod adds a random amount so that a forced config wins over any a partitioned primary writes
            proposed = proposed.withVersion(proposed.version() + ThreadLocalRandom.current().nextInt(1,
                    MAX_FORCED_VERSION_JUMP));
        }
        if (!proposed.name().equals(node.replSetName)) {
            throw new CommandFailure(ErrorCode.INVALID_REPLICA_SET_CONFIG, "Attempting to reconfigure a replica set "
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
            throw incompatible("New and old configurations differ in replica set ID; old was "
                    + current.replicaSetId() + ", and new is " + proposed.replicaSetId());
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
        if (!force && votingIds(current).size() + votingIds(proposed).size()
                - 2 * intersection(votingIds(current), votingIds(proposed)).size() > 1) {
            throw incompatible("Non force replica set reconfig can only add or remove at most 1 voting member.");
        }
    }

    private static Set<Integer> votingIds(ReplicaSetConfig config) {
        return config.members().stream().filter(MemberConfig::isVoter).map(MemberConfig::id)
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
                failures.add(member.host() + " failed with " + connectionRefused(member.host()));
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
            throw new CommandFailure(ErrorCode.NODE_NOT_FOUND, "Quorum check failed because no electable nodes "
                    + "responded; at least one required for config");
        }
        if (voters.size() < proposed.majorityVoteCount()) {
            throw new CommandFailure(ErrorCode.NODE_NOT_FOUND, "Quorum check failed because not enough voting nodes "
                    + "responded; required " + proposed.majorityVoteCount() + " but "
                    + (voters.isEmpty() ? "none responded" : "only the following " + voters.size()
                    + " voting nodes responded: " + String.join(", ", voters))
                    + (failures.isEmpty() ? "" : "; the following nodes did not respond affirmatively: "
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
        MemberConfig self = config.member(node.host).orElseThrow(() -> new CommandFailure(error,
                "No host described in new configuration with " + config.versionAndTerm() + " for replica set "
                        + config.name() + " maps to this node"));
        if (!self.isElectable()) {
            throw new CommandFailure(error, "This node, " + node.host + ", with _id " + self.id()
                    + " is not electable under the new configuration with " + config.versionAndTerm()
                    + " for replica set " + config.name());
        }
    }

    private static CommandFailure incompatible(String message) {
        return new CommandFailure(ErrorCode.NEW_REPLICA_SET_CONFIGURATION_INCOMPATIBLE, message);
    }

    static String connectionRefused(String host) {
        return "Error connecting to " + host + " :: caused by :: Connection refused";
    }

    Document getConfig(Document command) {
        if (node.config == null) {
            throw CommandFailure.notYetInitialized();
        }
        Document reply = new Document("config", node.config.toDocument());
        if (isTrue(command.get("commitmentStatus"))) {
            // configs are installed on every reachable member at once, so any config this member has is committed
            reply.put("commitmentStatus", true);
        }
        reply.put("ok", 1.0);
        return reply;
    }

    Document stepDown(Document command) {
        if (node.config == null) {
            throw CommandFailure.notYetInitialized();
        }
        boolean force = isTrue(command.get("force"));
        long stepDownSecs = ((Number) command.getOrDefault("replSetStepDown", 0)).longValue();
        if (stepDownSecs == 0) {
            stepDownSecs = DEFAULT_STEP_DOWN_SECS;
        } else if (stepDownSecs < 0) {
            throw new CommandFailure(ErrorCode.BAD_VALUE, "stepdown period must be a positive integer");
        }
        long catchUpSecs = command.get("secondaryCatchUpPeriodSecs") instanceof Number given
                ? given.longValue() : force ? 0 : DEFAULT_CATCH_UP_SECS;
        if (catchUpSecs < 0) {
            throw new CommandFailure(ErrorCode.BAD_VALUE, "secondaryCatchUpPeriodSecs period must be a positive or absent");
        }
        if (stepDownSecs < catchUpSecs) {
            throw new CommandFailure(ErrorCode.BAD_VALUE, "stepdown period must be longer than secondaryCatchUpPeriodSecs");
        }
        if (!node.primary) {
            throw new CommandFailure(ErrorCode.NOT_WRITABLE_PRIMARY, "not primary so can't step down");
        }
        Instant waitUntil = network.now().plusSeconds(catchUpSecs);
        while (node.primary && !secondariesCaughtUp()) {
            if (!node.running || Thread.currentThread().isInterrupted()) {
                throw new CommandFailure(ErrorCode.INTERRUPTED_AT_SHUTDOWN, "interrupted at shutdown");
            }
            if (!network.now().isBefore(waitUntil)) {
                if (force) {
                    break;
                }
                throw new CommandFailure(ErrorCode.EXCEEDED_TIME_LIMIT, "No electable secondaries caught up as of "
                        + network.now() + "Please use the replSetStepDown command with the argument {force: true} "
                        + "to force node to step down.");
            }
            network.awaitChange(waitUntil);
        }
        if (!node.primary) {
            throw new CommandFailure(ErrorCode.NOT_WRITABLE_PRIMARY, "not primary so can't step down");
        }
        network.stepDown(node, Duration.ofSeconds(stepDownSecs), true);
        return new Document("ok", 1.0);
    }

    /** mongod's stepdown condition: a write majority has this primary's last write, and an electable member too. */
    private boolean secondariesCaughtUp() {
        OpTime last = node.lastApplied();
        boolean majority = network.acknowledged(node.config, last, true) >= node.config.writeMajorityCount();
        boolean electable = network.running().stream()
                .anyMatch(peer -> peer != node && peer.isActiveMember()
                        && peer.selfConfig().map(MemberConfig::isElectable).orElse(false)
                        && peer.lastApplied().isAtLeast(last));
        return majority && electable;
    }

    Document freeze(Document command) {
        if (node.config == null) {
            throw CommandFailure.notYetInitialized();
        }
        long seconds = ((Number) command.getOrDefault("replSetFreeze", 0)).longValue();
        if (node.primary) {
            throw new CommandFailure(ErrorCode.NOT_SECONDARY,
                    "cannot freeze node when primary or running for election. state: Primary");
        }
        Document reply = new Document();
        if (seconds == 0) {
            node.frozenUntil = Instant.MIN;
            reply.put("info", "unfreezing");
        } else {
            node.frozenUntil = network.now().plusSeconds(seconds);
            if (seconds == 1) {
                reply.put("warning", "you really want to freeze for only 1 second?");
            }
        }
        reply.put("ok", 1.0);
        return reply;
    }

    static boolean isTrue(Object value) {
        return value instanceof Boolean bool ? bool : value instanceof Number number && number.doubleValue() != 0;
    }
}
