package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * {@code hello} and its legacy spelling {@code isMaster}: a member's view of the set as drivers discover it, including
 * the awaitable form (a request carrying the member's current topologyVersion and {@code maxAwaitTimeMS} is answered
 * when the topology changes, or when that time is up), which driver 5.x uses to stream monitoring.
 */
final class HelloCommand {
    private static final int MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
    private static final int MAX_MESSAGE_SIZE_BYTES = 48_000_000;
    private static final int MAX_WRITE_BATCH_SIZE = 100_000;
    private static final int LOGICAL_SESSION_TIMEOUT_MINUTES = 30;

    private final ReplicaSetNetwork network;
    private final ReplicaSetNode node;

    HelloCommand(ReplicaSetNetwork network, ReplicaSetNode node) {
        this.network = network;
        this.node = node;
    }

    Document run(Document command, boolean legacyName, int connectionId) {
        awaitTopologyChange(command);
        Document reply = new Document();
        if (Boolean.TRUE.equals(command.get("helloOk"))) {
            reply.put("helloOk", true);
        }
        reply.put("topologyVersion", node.topologyVersion());
        reply.putAll(replicationFields(legacyName ? "ismaster" : "isWritablePrimary"));
        reply.put("maxBsonObjectSize", MAX_BSON_OBJECT_SIZE);
        reply.put("maxMessageSizeBytes", MAX_MESSAGE_SIZE_BYTES);
        reply.put("maxWriteBatchSize", MAX_WRITE_BATCH_SIZE);
        reply.put("localTime", network.now());
        reply.put("logicalSessionTimeoutMinutes", LOGICAL_SESSION_TIMEOUT_MINUTES);
        reply.put("connectionId", connectionId);
        reply.put("minWireVersion", 0);
        reply.put("maxWireVersion", MongodVersion.WIRE_VERSION);
        reply.put("readOnly", false);
        reply.put("ok", 1.0);
        return reply;
    }

    private void awaitTopologyChange(Document command) {
        if (!(command.get("topologyVersion") instanceof Document known)
                || !(command.get("maxAwaitTimeMS") instanceof Number maxAwait)) {
            return;
        }
        Instant deadline = network.now().plusMillis(maxAwait.longValue());
        ObjectId process = node.processId;
        while (node.running
                && node.processId == process
                && process.equals(known.get("processId"))
                && known.get("counter") instanceof Number counter
                && counter.longValue() == node.topologyCounter
                && network.now().isBefore(deadline)
                && !Thread.currentThread().isInterrupted()) {
            network.awaitChange(deadline);
        }
    }

    /** The replica-set part of hello, which serverStatus repeats as {@code repl}. */
    Document replicationFields(String writablePrimaryField) {
        Document fields = new Document();
        if (!node.isActiveMember()) {
            fields.put(writablePrimaryField, false);
            fields.put("secondary", false);
            fields.put("info", "Does not have a valid replica set config");
            fields.put("isreplicaset", true);
            return fields;
        }
        ReplicaSetConfig config = node.config;
        MemberConfig self = node.selfConfig().orElseThrow();
        putHosts(fields, "hosts", config, MemberConfig::isListedAsHost);
        putHosts(fields, "passives", config, MemberConfig::isPassive);
        putHosts(fields, "arbiters", config, MemberConfig::arbiterOnly);
        fields.put("setName", config.name());
        fields.put("setVersion", config.version());
        fields.put(writablePrimaryField, node.primary);
        fields.put("secondary", node.state() == MemberState.SECONDARY);
        network.primaryOf(node).ifPresent(primary -> fields.put("primary", primary.host));
        if (self.arbiterOnly()) {
            fields.put("arbiterOnly", true);
        } else if (self.priority() == 0) {
            fields.put("passive", true);
        }
        if (self.hidden()) {
            fields.put("hidden", true);
        }
        if (!self.buildIndexes()) {
            fields.put("buildIndexes", false);
        }
        if (self.secondaryDelaySecs() > 0) {
            fields.put("secondaryDelaySecs", self.secondaryDelaySecs());
        }
        if (!self.tags().isEmpty()) {
            fields.put("tags", self.tags().clone());
        }
        fields.put("me", node.host);
        if (node.primary) {
            fields.put("electionId", electionId(node.term));
        }
        OpTime majority = network.majorityCommitted(config);
        fields.put(
                "lastWrite",
                new Document("opTime", node.lastApplied().toDocument())
                        .append("lastWriteDate", node.lastApplied().date())
                        .append("majorityOpTime", majority.toDocument())
                        .append("majorityWriteDate", majority.date()));
        return fields;
    }

    private static void putHosts(
            Document fields, String name, ReplicaSetConfig config, Predicate<MemberConfig> listed) {
        List<String> hosts = new ArrayList<>(
                config.members().stream().filter(listed).map(MemberConfig::host).toList());
        if (!hosts.isEmpty()) {
            fields.put(name, hosts);
        }
    }

    /** mongod's electionId for a term (OID::fromTerm): 0x7fffffff, then the term as a big-endian long. */
    static ObjectId electionId(long term) {
        return new ObjectId(
                ByteBuffer.allocate(12).putInt(Integer.MAX_VALUE).putLong(term).array());
    }
}
