package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import java.time.Duration;
import java.util.Optional;

/**
 * A write's {@code writeConcern}: how many members must have applied it ({@code w}: a number or "majority") and how
 * long the primary waits for that ({@code wtimeout}; none means as long as it takes). Without one, mongod 5.0+'s
 * implicit default applies: majority, except in a set whose arbiters make a voting majority impossible without them.
 */
record WriteConcern(Object w, Optional<Duration> timeout, boolean clientSupplied) {

    static WriteConcern of(Document command, ReplicaSetConfig config) {
        if (command.get("writeConcern") instanceof Document given && given.containsKey("w")) {
            Optional<Duration> timeout = given.get("wtimeout") instanceof Number millis && millis.longValue() > 0
                    ? Optional.of(Duration.ofMillis(millis.longValue()))
                    : Optional.empty();
            return new WriteConcern(given.get("w"), timeout, true);
        }
        boolean arbitersNeededForMajority =
                config.hasArbiter() && config.writeMajorityCount() < config.majorityVoteCount();
        return new WriteConcern(arbitersNeededForMajority ? 1 : "majority", Optional.empty(), false);
    }

    /** mongod refuses a write concern no set of members could satisfy; empty when this one can be. */
    Optional<Document> unsatisfiable(ReplicaSetConfig config) {
        if (w instanceof Number number && number.intValue() > config.dataBearingCount()) {
            return Optional.of(error(ErrorCode.UNSATISFIABLE_WRITE_CONCERN, "Not enough data-bearing nodes"));
        }
        if (w instanceof String mode && !mode.equals("majority")) {
            return Optional.of(error(
                    ErrorCode.UNKNOWN_REPL_WRITE_CONCERN,
                    "No write concern mode named '" + mode + "' found in replica set configuration"));
        }
        return Optional.empty();
    }

    boolean isSatisfied(ReplicaSetNetwork network, ReplicaSetConfig config, OpTime opTime) {
        if (w instanceof String) {
            return network.acknowledged(config, opTime, true) >= config.writeMajorityCount();
        }
        return network.acknowledged(config, opTime, false) >= ((Number) w).intValue();
    }

    Document error(ErrorCode code, String message) {
        Document writeConcern = new Document("w", w)
                .append("wtimeout", timeout.map(Duration::toMillis).orElse(0L))
                .append("provenance", clientSupplied ? "clientSupplied" : "implicitDefault");
        Document info = new Document("writeConcern", writeConcern);
        if (code == ErrorCode.WRITE_CONCERN_FAILED) {
            info = new Document("wtimeout", true).append("writeConcern", writeConcern);
        }
        return new Document("code", code.code)
                .append("codeName", code.codeName)
                .append("errmsg", message)
                .append("errInfo", info);
    }
}
