package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import java.time.Duration;
import java.time.Instant;

/**
 * One member's state-change commands, replSetStepDown and replSetFreeze, with mongod 7.0's checks: a primary steps
 * down only once a write majority and an electable secondary have its last write (or when forced), then may not stand
 * for the stepdown period while the election handoff has another member elected at once.
 */
final class ReplSetStateChangeCommands {
    private static final long DEFAULT_STEP_DOWN_SECS = 60;
    private static final long DEFAULT_CATCH_UP_SECS = 10;

    private final ReplicaSetNetwork network;
    private final ReplicaSetNode node;

    ReplSetStateChangeCommands(ReplicaSetNetwork network, ReplicaSetNode node) {
        this.network = network;
        this.node = node;
    }

    Document stepDown(Document command) {
        if (node.config == null) {
            throw CommandFailure.notYetInitialized();
        }
        boolean force = CommandArguments.isTrue(command.get("force"));
        long stepDownSecs = ((Number) command.getOrDefault("replSetStepDown", 0)).longValue();
        if (stepDownSecs == 0) {
            stepDownSecs = DEFAULT_STEP_DOWN_SECS;
        } else if (stepDownSecs < 0) {
            throw new CommandFailure(ErrorCode.BAD_VALUE, "stepdown period must be a positive integer");
        }
        long catchUpSecs = command.get("secondaryCatchUpPeriodSecs") instanceof Number given
                ? given.longValue()
                : force ? 0 : DEFAULT_CATCH_UP_SECS;
        if (catchUpSecs < 0) {
            throw new CommandFailure(
                    ErrorCode.BAD_VALUE, "secondaryCatchUpPeriodSecs period must be a positive or absent");
        }
        if (stepDownSecs < catchUpSecs) {
            throw new CommandFailure(
                    ErrorCode.BAD_VALUE, "stepdown period must be longer than secondaryCatchUpPeriodSecs");
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
                throw new CommandFailure(
                        ErrorCode.EXCEEDED_TIME_LIMIT,
                        "No electable secondaries caught up as of "
                                + network.now()
                                + "Please use the replSetStepDown command with the argument {force: true} "
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
                .anyMatch(peer -> peer != node
                        && peer.isActiveMember()
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
            throw new CommandFailure(
                    ErrorCode.NOT_SECONDARY, "cannot freeze node when primary or running for election. state: Primary");
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
}
