package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import java.time.Instant;
import java.util.Comparator;

/** A position in the oplog as mongod orders it: term first, then the timestamp. */
record OpTime(BsonTimestamp timestamp, long term) implements Comparable<OpTime> {
    /** What mongod reports for a member that has applied nothing (or that it cannot reach). */
    static final OpTime NONE = new OpTime(new BsonTimestamp(0), -1);

    private static final Comparator<OpTime> ORDER =
            Comparator.comparingLong(OpTime::term).thenComparing(OpTime::timestamp);

    Document toDocument() {
        return new Document("ts", timestamp).append("t", term);
    }

    Instant date() {
        return Instant.ofEpochSecond(timestamp.getTime());
    }

    boolean isAtLeast(OpTime other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(OpTime other) {
        return ORDER.compare(this, other);
    }
}
