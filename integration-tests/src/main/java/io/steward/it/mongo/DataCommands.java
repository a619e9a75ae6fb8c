package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The data commands, answered by mongo-java-server's backend, with a replica-set member's rules around them: writes
 * only on the primary, held back while it is fsync-locked, replicated before they are acknowledged and then waiting
 * for their write concern; reads on a secondary only when the client allows it ({@code $readPreference} other than
 * primary, which the driver sends on a direct connection), and on no other member.
 */
final class DataCommands {
    private static final Set<String> WRITES = Set.of(
            "insert",
            "update",
            "delete",
            "findandmodify",
            "create",
            "createindexes",
            "drop",
            "dropindexes",
            "dropdatabase",
            "renamecollection",
            "collmod");
    private static final Set<String> SECONDARY_OK_READS =
            Set.of("find", "aggregate", "count", "distinct", "listcollections", "listindexes");
    /** How long one wait lasts before its condition is looked at again; changes wake waiters sooner. */
    private static final Duration WAIT_SLICE = Duration.ofSeconds(1);

    private final ReplicaSetNetwork network;
    private final ReplicaSetNode node;

    DataCommands(ReplicaSetNetwork network, ReplicaSetNode node) {
        this.network = network;
        this.node = node;
    }

    Document run(
            String name,
            String commandName,
            Document command,
            String database,
            Channel channel,
            InFlightOperation operation) {
        if (WRITES.contains(name)) {
            return write(name, commandName, command, database, channel, operation);
        }
        if (SECONDARY_OK_READS.contains(name)) {
            requireReadable(command);
        }
        node.count(name.equals("find") ? "query" : name.equals("getmore") ? "getmore" : "command", 1);
        return node.storage.handleCommand(channel, database, commandName, command);
    }

    private void requireReadable(Document command) {
        switch (node.state()) {
            case PRIMARY -> {}
            case SECONDARY -> {
                boolean secondaryOk = command.get("$readPreference") instanceof Document preference
                        && !"primary".equals(preference.get("mode"));
                if (!secondaryOk) {
                    throw new CommandFailure(
                            ErrorCode.NOT_PRIMARY_NO_SECONDARY_OK, "not primary and secondaryOk=false");
                }
            }
            default ->
                throw new CommandFailure(
                        ErrorCode.NOT_PRIMARY_OR_SECONDARY, "node is not in primary or recovering state");
        }
    }

    private Document write(
            String name,
            String commandName,
            Document command,
            String database,
            Channel channel,
            InFlightOperation operation) {
        awaitWritable(operation);
        WriteConcern concern = WriteConcern.of(command, node.config);
        MemberStorage.RecordedWrite write = node.storage.executeWrite(channel, database, commandName, command);
        countWrite(name, command);
        OpTime opTime = write.changes().isEmpty() ? node.lastApplied() : network.append(node, write.changes());
        if (write.failure() != null) {
            throw write.failure();
        }
        Document reply = write.reply();
        concern.unsatisfiable(node.config)
                .or(() -> awaitReplication(concern, opTime))
                .ifPresent(error -> reply.put("writeConcernError", error));
        return reply;
    }

    /** mongod queues writes behind an fsync lock until the last unlock; they then run if still on the primary. */
    private void awaitWritable(InFlightOperation operation) {
        while (true) {
            if (!node.running || Thread.currentThread().isInterrupted()) {
                throw new CommandFailure(ErrorCode.INTERRUPTED_AT_SHUTDOWN, "interrupted at shutdown");
            }
            if (!node.primary) {
                throw new CommandFailure(ErrorCode.NOT_WRITABLE_PRIMARY, "not primary");
            }
            if (node.fsyncLockCount == 0) {
                operation.waitingForLock = false;
                return;
            }
            operation.waitingForLock = true;
            network.awaitChange(network.now().plus(WAIT_SLICE));
        }
    }

    private Optional<Document> awaitReplication(WriteConcern concern, OpTime opTime) {
        Optional<Instant> deadline =
                concern.timeout().map(timeout -> network.now().plus(timeout));
        while (!concern.isSatisfied(network, node.config, opTime)) {
            if (!node.primary || !node.running || Thread.currentThread().isInterrupted()) {
                return Optional.of(concern.error(
                        ErrorCode.PRIMARY_STEPPED_DOWN, "Primary stepped down while waiting for replication"));
            }
            Instant now = network.now();
            if (deadline.isPresent() && !now.isBefore(deadline.get())) {
                return Optional.of(concern.error(ErrorCode.WRITE_CONCERN_FAILED, "waiting for replication timed out"));
            }
            Instant sliceEnd = now.plus(WAIT_SLICE);
            network.awaitChange(deadline.filter(end -> end.isBefore(sliceEnd)).orElse(sliceEnd));
        }
        return Optional.empty();
    }

    private void countWrite(String name, Document command) {
        switch (name) {
            case "insert" -> node.count("insert", size(command.get("documents")));
            case "update" -> node.count("update", size(command.get("updates")));
            case "delete" -> node.count("delete", size(command.get("deletes")));
            default -> node.count("command", 1);
        }
    }

    private static long size(Object statements) {
        return statements instanceof List<?> list ? list.size() : 1;
    }
}
