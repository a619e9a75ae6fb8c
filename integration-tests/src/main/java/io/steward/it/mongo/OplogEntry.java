package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;

/**
 * One replicated change, in the oplog's vocabulary: {@code i} and {@code u} carry the document as it now is, {@code d}
 * its {@code _id}, {@code c} a command to run again, {@code n} nothing (elections and initiation write these).
 */
record OplogEntry(OpTime opTime, String op, String namespace, Document object) {

    static OplogEntry noop(OpTime opTime, String message) {
        return new OplogEntry(opTime, "n", "", new Document("msg", message));
    }

    String database() {
        int dot = namespace.indexOf('.');
        return dot < 0 ? namespace : namespace.substring(0, dot);
    }

    String collection() {
        return namespace.substring(namespace.indexOf('.') + 1);
    }
}
