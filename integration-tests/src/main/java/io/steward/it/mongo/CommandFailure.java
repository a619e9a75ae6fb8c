package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;

/** A command that failed the way mongod fails it: an {@code ok: 0} reply with errmsg, code and codeName. */
final class CommandFailure extends RuntimeException {
    final ErrorCode error;
    private final Document extraFields = new Document();

    CommandFailure(ErrorCode error, String message) {
        super(message, null, false, false);
        this.error = error;
    }

    /** Fields mongod puts beside the error, such as {@code state} on a REMOVED member's replSetGetStatus. */
    CommandFailure with(String field, Object value) {
        extraFields.put(field, value);
        return this;
    }

    Document toReply() {
        Document reply = new Document(extraFields);
        reply.put("ok", 0.0);
        reply.put("errmsg", getMessage());
        reply.put("code", error.code);
        reply.put("codeName", error.codeName);
        return reply;
    }

    static CommandFailure notYetInitialized() {
        return new CommandFailure(ErrorCode.NOT_YET_INITIALIZED, "no replset config has been received")
                .with("info", "run rs.initiate(...) if not yet done for the set");
    }

    static CommandFailure adminOnly(String command) {
        return new CommandFailure(ErrorCode.UNAUTHORIZED, command + " may only be run against the admin database.");
    }
}
