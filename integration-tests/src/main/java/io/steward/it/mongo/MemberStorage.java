package io.steward.it.mongo;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerException;
import de.bwaldvogel.mongo.oplog.NoopOplog;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One member's data and oplog: mongo-java-server's in-memory backend, which answers the data commands, plus the list
 * of {@link OplogEntry oplog entries} this member has applied.
 *
 * <p>A client write on the primary is recorded as the oplog records it: for documents, their state after the write
 * (replayed on a secondary as an upsert or delete by {@code _id}, so replaying is idempotent); for DDL, the command
 * itself. mongo-java-server reports inserted, updated and deleted documents through its Oplog hook, but not what
 * findAndModify changed, so for that command the collection is compared before and after.
 */
final class MemberStorage extends MemoryBackend {
    private static final Set<String> REPLICATED_AS_COMMANDS =
            Set.of("create", "createindexes", "drop", "dropindexes", "dropdatabase", "renamecollection", "collmod");
    private static final Set<String> GENERIC_ARGUMENTS = Set.of(
            "$db",
            "lsid",
            "txnNumber",
            "$clusterTime",
            "writeConcern",
            "$readPreference",
            "readConcern",
            "autocommit",
            "startTransaction",
            "apiVersion",
            "apiStrict",
            "apiDeprecationErrors",
            "comment",
            "maxTimeMS");

    /** A change of a client write, before the primary gives it its place in the oplog. */
    record Change(String op, String namespace, Document object) {
        OplogEntry at(OpTime opTime) {
            return new OplogEntry(opTime, op, namespace, object);
        }
    }

    /** The outcome of a client write: mongo-java-server's reply or failure, and what it changed either way. */
    record RecordedWrite(Document reply, RuntimeException failure, List<Change> changes) {}

    private record DocumentKey(String namespace, Object id) {
        String database() {
            return namespace.substring(0, namespace.indexOf('.'));
        }

        String collection() {
            return namespace.substring(namespace.indexOf('.') + 1);
        }
    }

    /** Replication and initial sync talk to the backend on this channel, never on a client's. */
    private final Channel internalChannel = new EmbeddedChannel();

    private final List<OplogEntry> oplog = new ArrayList<>();
    private Map<DocumentKey, String> touchedDocuments;

    MemberStorage() {
        version(MongodVersion.MONGODB_7_0);
        enableOplog();
    }

    @Override
    protected Oplog createOplog() {
        return new ChangeHook();
    }

    RecordedWrite executeWrite(Channel channel, String database, String commandName, Document command) {
        String name = commandName.toLowerCase(Locale.ROOT);
        if (REPLICATED_AS_COMMANDS.contains(name)) {
            return executeReplicatedCommand(channel, database, commandName, command);
        }
        if (name.equals("findandmodify")) {
            return executeComparingCollection(channel, database, commandName, command);
        }
        touchedDocuments = new LinkedHashMap<>();
        try {
            Document reply = handleCommand(channel, database, commandName, command);
            return new RecordedWrite(reply, null, currentStateOf(touchedDocuments));
        } catch (RuntimeException e) {
            return new RecordedWrite(null, e, currentStateOf(touchedDocuments));
        } finally {
            touchedDocuments = null;
        }
    }

    private RecordedWrite executeReplicatedCommand(
            Channel channel, String database, String commandName, Document command) {
        try {
            Document reply = handleCommand(channel, database, commandName, command);
            boolean succeeded = reply.get("ok") instanceof Number ok && ok.doubleValue() == 1;
            List<Change> changes = succeeded
                    ? List.of(new Change("c", database + ".$cmd", withoutGenericArguments(command)))
                    : List.of();
            return new RecordedWrite(reply, null, changes);
        } catch (RuntimeException e) {
            return new RecordedWrite(null, e, List.of());
        }
    }

    private RecordedWrite executeComparingCollection(
            Channel channel, String database, String commandName, Document command) {
        String collection = String.valueOf(command.get(commandName));
        String namespace = database + "." + collection;
        Map<Object, Document> before = snapshot(database, collection);
        Document reply = null;
        RuntimeException failure = null;
        try {
            reply = handleCommand(channel, database, commandName, command);
        } catch (RuntimeException e) {
            failure = e;
        }
        Map<Object, Document> after = snapshot(database, collection);
        List<Change> changes = new ArrayList<>();
        after.forEach((id, document) -> {
            if (!before.containsKey(id)) {
                changes.add(new Change("i", namespace, document));
            } else if (!before.get(id).equals(document)) {
                changes.add(new Change("u", namespace, document));
            }
        });
        before.keySet().stream()
                .filter(id -> !after.containsKey(id))
                .forEach(id -> changes.add(new Change("d", namespace, new Document("_id", id))));
        return new RecordedWrite(reply, failure, changes);
    }

    private Map<Object, Document> snapshot(String database, String collectionName) {
        Map<Object, Document> documents = new HashMap<>();
        MongoCollection<?> collection = resolveDatabase(database).resolveCollection(collectionName, false);
        if (collection != null) {
            collection.queryAll().forEach(document -> documents.put(document.get("_id"), document.cloneDeeply()));
        }
        return documents;
    }

    private List<Change> currentStateOf(Map<DocumentKey, String> touched) {
        List<Change> changes = new ArrayList<>();
        touched.forEach((key, op) -> {
            Optional<Document> document = op.equals("d") ? Optional.empty() : find(key);
            changes.add(document.map(current -> new Change(op, key.namespace(), current.cloneDeeply()))
                    .orElseGet(() -> new Change("d", key.namespace(), new Document("_id", key.id()))));
        });
        return changes;
    }

    private Optional<Document> find(DocumentKey key) {
        MongoCollection<?> collection = resolveDatabase(key.database()).resolveCollection(key.collection(), false);
        if (collection == null) {
            return Optional.empty();
        }
        for (Document document : collection.handleQuery(new Document("_id", key.id()), 0, 1)) {
            return Optional.of(document);
        }
        return Optional.empty();
    }

    private static Document withoutGenericArguments(Document command) {
        Document stripped = new Document();
        command.forEach((field, value) -> {
            if (!GENERIC_ARGUMENTS.contains(field)) {
                stripped.put(field, value);
            }
        });
        return stripped.cloneDeeply();
    }

    /** Applies an entry written by another member, as a secondary's oplog applier does. */
    void apply(OplogEntry entry) {
        Document object = entry.object().cloneDeeply();
        String database = entry.database();
        switch (entry.op()) {
            case "i", "u" ->
                run(
                        database,
                        new Document("update", entry.collection())
                                .append(
                                        "updates",
                                        List.of(new Document("q", new Document("_id", object.get("_id")))
                                                .append("u", object)
                                                .append("upsert", true)))
                                .append("ordered", true));
            case "d" ->
                run(
                        database,
                        new Document("delete", entry.collection())
                                .append("deletes", List.of(new Document("q", object).append("limit", 1))));
            case "c" -> {
                try {
                    run(database, object);
                } catch (MongoServerException e) {
                    // re-running DDL whose effect is already here (an index that exists) fails harmlessly, as the
                    // real applier's idempotency rules let it
                }
            }
            default -> {
                // a no-op entry: its place in the oplog is all it carries
            }
        }
        oplog.add(entry);
    }

    private void run(String database, Document command) {
        String commandName = command.keySet().iterator().next();
        Document reply = handleCommand(internalChannel, database, commandName, command);
        if (reply.get("writeErrors") != null) {
            throw new IllegalStateException("replaying " + command + " failed: " + reply.get("writeErrors"));
        }
    }

    /** Records an entry this member wrote itself, as the primary. */
    void append(OplogEntry entry) {
        oplog.add(entry);
    }

    OpTime lastApplied() {
        return oplog.isEmpty() ? OpTime.NONE : oplog.get(oplog.size() - 1).opTime();
    }

    boolean hasAppliedNothing() {
        return oplog.isEmpty();
    }

    /** The entries after {@code opTime}, or empty when this oplog does not contain it (the member has diverged). */
    Optional<List<OplogEntry>> entriesAfter(OpTime opTime) {
        int index = Collections.binarySearch(
                oplog, new OplogEntry(opTime, "", "", null), Comparator.comparing(OplogEntry::opTime));
        if (index < 0) {
            return Optional.empty();
        }
        return Optional.of(List.copyOf(oplog.subList(index + 1, oplog.size())));
    }

    /**
     * Replaces all data and the oplog with a copy of {@code source}'s, as an initial sync does; collection options such
     * as capped sizes are not copied (mongo-java-server does not list them).
     */
    void copyFrom(MemberStorage source) {
        List.copyOf(listDatabaseNames()).forEach(this::dropDatabase);
        for (String databaseName : List.copyOf(source.listDatabaseNames())) {
            MongoDatabase sourceDatabase = source.resolveDatabase(databaseName);
            resolveDatabase(databaseName);
            for (String collectionName : source.collectionNames(databaseName)) {
                copyCollection(source, sourceDatabase, databaseName, collectionName);
            }
        }
        oplog.clear();
        oplog.addAll(source.oplog);
    }

    private void copyCollection(
            MemberStorage source, MongoDatabase sourceDatabase, String databaseName, String collectionName) {
        run(databaseName, new Document("create", collectionName));
        List<Document> indexes = new ArrayList<>();
        for (Document index : source.firstBatch(databaseName, new Document("listIndexes", collectionName))) {
            if (!"_id_".equals(index.get("name"))) {
                Document specification = index.clone();
                specification.remove("v");
                specification.remove("ns");
                indexes.add(specification);
            }
        }
        if (!indexes.isEmpty()) {
            run(databaseName, new Document("createIndexes", collectionName).append("indexes", indexes));
        }
        MongoCollection<?> target = resolveDatabase(databaseName).resolveCollection(collectionName, true);
        sourceDatabase
                .resolveCollection(collectionName, true)
                .queryAll()
                .forEach(document -> target.addDocument(document.cloneDeeply()));
    }

    private List<String> collectionNames(String databaseName) {
        return firstBatch(databaseName, new Document("listCollections", 1)).stream()
                .map(collection -> (String) collection.get("name"))
                .toList();
    }

    @SuppressWarnings("unchecked")
    private List<Document> firstBatch(String database, Document command) {
        Document reply = handleCommand(
                internalChannel, database, command.keySet().iterator().next(), command);
        return (List<Document>) ((Document) reply.get("cursor")).get("firstBatch");
    }

    /** Whether any database holds a collection: mongod refuses to initiate a set with such a member. */
    boolean hasData() {
        return listDatabaseNames().stream()
                .anyMatch(name -> !resolveDatabase(name).isEmpty());
    }

    int openCursors() {
        return getCursorRegistry().size();
    }

    /** Hears about writes from mongo-java-server; keeps only those of the client write being recorded. */
    private final class ChangeHook implements Oplog {
        @Override
        public void handleInsert(String namespace, List<Document> documents) {
            documents.forEach(document -> touched(namespace, document.get("_id"), "i"));
        }

        @Override
        public void handleUpdate(String namespace, Document selector, Document query, List<Object> modifiedIds) {
            modifiedIds.forEach(id -> touched(namespace, id, "u"));
        }

        @Override
        public void handleDelete(String namespace, Document query, List<Object> deletedIds) {
            deletedIds.forEach(id -> touched(namespace, id, "d"));
        }

        @Override
        public void handleDropCollection(String namespace) {
            // drops replicate as the command that caused them
        }

        @Override
        public Cursor createCursor(Document changeStreamDocument, String namespace, Aggregation aggregation) {
            return NoopOplog.get().createCursor(changeStreamDocument, namespace, aggregation);
        }

        private void touched(String namespace, Object id, String op) {
            if (touchedDocuments != null) {
                touchedDocuments.putIfAbsent(new DocumentKey(namespace, id), op);
            }
        }
    }
}
