package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * One member's fsync lock (fsync with {@code lock: true} and fsyncUnlock, counted as mongod counts them; a locked member
 * holds writes back and, as a secondary, stops applying the oplog), currentOp, getCmdLineOpts and serverStatus.
 */
final class AdminCommands {
    private static final String FSYNC_URL = "http://dochub.mongodb.org/core/fsynccommand";
    /** What mongod derives from its file-descriptor limit; any plausible constant will do here. */
    private static final int CONNECTION_LIMIT = 838_860;

    private static final Set<String> CURRENT_OP_OPTIONS =
            Set.of("currentOp", "$all", "$ownOps", "$db", "lsid", "$clusterTime", "$readPreference");

    private final ReplicaSetNetwork network;
    private final ReplicaSetNode node;
    private final HelloCommand hello;

    AdminCommands(ReplicaSetNetwork network, ReplicaSetNode node, HelloCommand hello) {
        this.network = network;
        this.node = node;
        this.hello = hello;
    }

    Document fsync(Document command) {
        if (!CommandArguments.isTrue(command.get("lock"))) {
            return new Document("numFiles", 1).append("ok", 1.0);
        }
        node.fsyncLockCount++;
        return new Document("info", "now locked against writes, use db.fsyncUnlock() to unlock")
                .append("lockCount", (long) node.fsyncLockCount)
                .append("seeAlso", FSYNC_URL)
                .append("ok", 1.0);
    }

    Document fsyncUnlock() {
        if (node.fsyncLockCount == 0) {
            throw new CommandFailure(ErrorCode.ILLEGAL_OPERATION, "fsyncUnlock called when not locked");
        }
        node.fsyncLockCount--;
        network.changed();
        return new Document("info", "fsyncUnlock completed")
                .append("lockCount", (long) node.fsyncLockCount)
                .append("ok", 1.0);
    }

    /** The operations in progress, filtered by the command's other fields as equality matches, as mongod allows. */
    Document currentOp(Document command) {
        Instant now = network.now();
        List<Document> operations = node.operations.values().stream()
                .map(operation -> operation.toDocument(node.host, now))
                .filter(operation -> matches(operation, command))
                .toList();
        Document reply = new Document("inprog", operations);
        if (node.fsyncLockCount > 0) {
            reply.put("fsyncLock", true);
            reply.put("info", "use db.fsyncUnlock() to terminate the fsync write/snapshot lock");
        }
        reply.put("ok", 1.0);
        return reply;
    }

    private static boolean matches(Document operation, Document command) {
        return command.entrySet().stream()
                .filter(criterion -> !CURRENT_OP_OPTIONS.contains(criterion.getKey()))
                .allMatch(criterion -> criterion.getValue().equals(operation.get(criterion.getKey())));
    }

    Document cmdLineOpts() {
        int port = Integer.parseInt(node.host.substring(node.host.lastIndexOf(':') + 1));
        return new Document(
                        "argv",
                        List.of(
                                "mongod",
                                "--replSet",
                                node.replSetName,
                                "--bind_ip",
                                "127.0.0.1",
                                "--port",
                                String.valueOf(port)))
                .append(
                        "parsed",
                        new Document("net", new Document("bindIp", "127.0.0.1").append("port", port))
                                .append("replication", new Document("replSet", node.replSetName)))
                .append("ok", 1.0);
    }

    /**
     * serverStatus with what is real here: connections, cursors, operation counters, the operations running and
     * queued behind an fsync lock, and the replication state; memory is this JVM's.
     */
    Document serverStatus() {
        Instant now = network.now();
        Duration uptime = Duration.between(node.startedAt, now);
        int current = node.currentConnections.get();
        long queuedWriters = node.operations.values().stream()
                .filter(operation -> operation.waitingForLock)
                .count();
        long activeWriters = node.operations.values().stream()
                .filter(operation -> operation.isWrite() && !operation.waitingForLock)
                .count();
        long activeReaders = node.operations.size() - queuedWriters - activeWriters;
        Runtime runtime = Runtime.getRuntime();
        long residentMb = (runtime.totalMemory() - runtime.freeMemory()) / (1024 * 1024);
        long virtualMb = runtime.maxMemory() / (1024 * 1024);
        return new Document("host", node.host)
                .append("version", MongodVersion.MONGODB_7_0.toVersionString())
                .append("process", "mongod")
                .append("pid", ProcessHandle.current().pid())
                .append("uptime", (double) uptime.toSeconds())
                .append("uptimeMillis", uptime.toMillis())
                .append("uptimeEstimate", uptime.toSeconds())
                .append("localTime", now)
                .append(
                        "connections",
                        new Document("current", current)
                                .append("available", CONNECTION_LIMIT - current)
                                .append("totalCreated", node.totalConnections.get())
                                .append("active", node.operations.size()))
                .append(
                        "globalLock",
                        new Document("totalTime", uptime.toNanos() / 1000)
                                .append(
                                        "currentQueue",
                                        new Document("total", queuedWriters)
                                                .append("readers", 0L)
                                                .append("writers", queuedWriters))
                                .append(
                                        "activeClients",
                                        new Document("total", activeReaders + activeWriters)
                                                .append("readers", activeReaders)
                                                .append("writers", activeWriters)))
                .append(
                        "mem",
                        new Document("bits", 64)
                                .append("resident", residentMb)
                                .append("virtual", virtualMb)
                                .append("supported", true))
                .append(
                        "metrics",
                        new Document(
                                "cursor",
                                new Document("timedOut", 0L)
                                        .append(
                                                "open",
                                                new Document("noTimeout", 0L)
                                                        .append("pinned", 0L)
                                                        .append("total", (long) node.storage.openCursors()))))
                .append("opcounters", new Document(node.opcounters))
                .append("opcountersRepl", new Document(node.opcountersRepl))
                .append(
                        "repl",
                        hello.replicationFields("isWritablePrimary").append("topologyVersion", node.topologyVersion()))
                .append("storageEngine", new Document("name", "inMemory").append("persistent", false))
                .append("ok", 1.0);
    }
}
