package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import java.time.Duration;
import java.time.Instant;

/** A command a member is running right now, as currentOp lists it. Guarded by the network's monitor. */
final class InFlightOperation {
    final long opId;
    final int connectionId;
    final String client;
    final String op;
    final String namespace;
    final Document command;
    final Instant startedAt;
    /** Set while a write waits for an fsync lock to be released. */
    boolean waitingForLock;

    InFlightOperation(
            long opId,
            int connectionId,
            String client,
            String op,
            String namespace,
            Document command,
            Instant startedAt) {
        this.opId = opId;
        this.connectionId = connectionId;
        this.client = client;
        this.op = op;
        this.namespace = namespace;
        this.command = command;
        this.startedAt = startedAt;
    }

    boolean isWrite() {
        return op.equals("insert") || op.equals("update") || op.equals("remove");
    }

    Document toDocument(String host, Instant now) {
        Duration running = Duration.between(startedAt, now);
        return new Document("type", "op")
                .append("host", host)
                .append("desc", "conn" + connectionId)
                .append("connectionId", connectionId)
                .append("client", client)
                .append("active", true)
                .append("currentOpTime", now.toString())
                .append("opid", opId)
                .append("secs_running", running.toSeconds())
                .append("microsecs_running", running.toNanos() / 1000)
                .append("op", op)
                .append("ns", namespace)
                .append("command", command)
                .append("waitingForLock", waitingForLock);
    }
}
