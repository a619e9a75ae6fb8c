package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;

/**
 * One entry of a replica-set config's {@code members} array, with mongod's defaults filled in and its per-member rules
 * enforced (an arbiter votes and has priority 0; an electable member votes, is not hidden, not delayed and builds
 * indexes).
 */
record MemberConfig(
        int id,
        String host,
        boolean arbiterOnly,
        boolean buildIndexes,
        boolean hidden,
        double priority,
        Document tags,
        long secondaryDelaySecs,
        int votes) {

    private static final double MAX_PRIORITY = 1000;

    /** Reads one member; throws IllegalArgumentException with mongod's reason when the member is not valid. */
    static MemberConfig parse(Object raw) {
        if (!(raw instanceof Document member)) {
            throw new IllegalArgumentException("Expected members to be an array of objects");
        }
        ConfigFields fields = new ConfigFields("MemberConfig", member);
        boolean arbiterOnly = fields.bool("arbiterOnly", false);
        double priority = fields.number("priority", arbiterOnly ? 0 : 1).doubleValue();
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("BSON field 'MemberConfig.priority' value must be between 0 and "
                    + (int) MAX_PRIORITY + ", actual value '" + priority + "'");
        }
        int votes = fields.number("votes", 1).intValue();
        if (votes != 0 && votes != 1) {
            throw new IllegalArgumentException("votes field value is " + votes + " but must be 0 or 1");
        }
        MemberConfig config = new MemberConfig(
                fields.integer("_id"),
                fields.string("host"),
                arbiterOnly,
                fields.bool("buildIndexes", true),
                fields.bool("hidden", false),
                priority,
                fields.document("tags"),
                fields.number("secondaryDelaySecs", 0).longValue(),
                votes);
        config.checkRules();
        return config;
    }

    private void checkRules() {
        if (arbiterOnly && votes == 0) {
            throw new IllegalArgumentException("Arbiter must vote (cannot have 0 votes)");
        }
        if (arbiterOnly && !tags.isEmpty()) {
            throw new IllegalArgumentException("Cannot set tags on arbiters.");
        }
        if (priority != 0) {
            if (votes == 0) {
                throw new IllegalArgumentException("priority must be 0 when non-voting (votes:0)");
            }
            if (secondaryDelaySecs > 0) {
                throw new IllegalArgumentException("priority must be 0 when secondaryDelaySecs is used");
            }
            if (hidden) {
                throw new IllegalArgumentException("priority must be 0 when hidden=true");
            }
            if (!buildIndexes) {
                throw new IllegalArgumentException("priority must be 0 when buildIndexes=false");
            }
        }
    }

    boolean isVoter() {
        return votes > 0;
    }

    boolean isElectable() {
        return !arbiterOnly && priority > 0;
    }

    boolean isDataBearing() {
        return !arbiterOnly;
    }

    /** Listed in {@code hello.hosts}: data-bearing, visible and electable. */
    boolean isListedAsHost() {
        return !arbiterOnly && !hidden && priority > 0;
    }

    /** Listed in {@code hello.passives}: data-bearing, visible, never primary. */
    boolean isPassive() {
        return !arbiterOnly && !hidden && priority == 0;
    }

    Document toDocument() {
        return new Document("_id", id)
                .append("host", host)
                .append("arbiterOnly", arbiterOnly)
                .append("buildIndexes", buildIndexes)
                .append("hidden", hidden)
                .append("priority", priority)
                .append("tags", tags.clone())
                .append("secondaryDelaySecs", secondaryDelaySecs)
                .append("votes", votes);
    }
}
