package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A replica-set configuration as replSetInitiate, replSetReconfig and replSetGetConfig carry it, with mongod's
 * whole-config rules ({@link #validate}): 1 to 50 members with unique {@code _id} and {@code host}, 1 to 7 voters, at
 * least one electable member, at most one arbiter.
 */
record ReplicaSetConfig(String name, int version, long term, List<MemberConfig> members, Document settings) {
    /** The term of a config installed by a forced reconfig, which then orders by version alone. */
    static final long UNINITIALIZED_TERM = -1;

    private static final int MAX_MEMBERS = 50;
    private static final int MAX_VOTING_MEMBERS = 7;

    /**
     * Reads a submitted config; its settings are laid over {@code defaultSettings}. Throws IllegalArgumentException
     * with mongod's reason when a field is missing or mistyped.
     */
    static ReplicaSetConfig parse(Document raw, long term, Document defaultSettings) {
        ConfigFields fields = new ConfigFields("ReplSetConfig", raw);
        List<MemberConfig> members = new ArrayList<>();
        for (Object member : fields.array("members")) {
            members.add(MemberConfig.parse(member));
        }
        Document settings = defaultSettings.clone();
        settings.putAll(fields.document("settings"));
        return new ReplicaSetConfig(
                fields.string("_id"), fields.integer("version"), term, List.copyOf(members), settings);
    }

    /** Checks the rules mongod applies to any config; throws IllegalArgumentException with its reason. */
    void validate() {
        if (members.isEmpty() || members.size() > MAX_MEMBERS) {
            throw new IllegalArgumentException("Replica set configuration contains " + members.size()
                    + " members, but must be at least 1 and no more than " + MAX_MEMBERS);
        }
        for (int i = 0; i < members.size(); i++) {
            for (int j = 0; j < members.size(); j++) {
                if (i == j) {
                    continue;
                }
                if (members.get(i).id() == members.get(j).id()) {
                    throw new IllegalArgumentException(
                            "Found two member configurations with same _id field, members." + i + "._id == members." + j
                                    + "._id == " + members.get(i).id());
                }
                if (members.get(i).host().equals(members.get(j).host())) {
                    throw new IllegalArgumentException(
                            "Found two member configurations with same host field, members." + i + ".host == members."
                                    + j + ".host == " + members.get(i).host());
                }
            }
        }
        long voters = members.stream().filter(MemberConfig::isVoter).count();
        if (voters == 0 || voters > MAX_VOTING_MEMBERS) {
            throw new IllegalArgumentException("Replica set configuration contains " + voters
                    + " voting members, but must be at least 1 and no more than " + MAX_VOTING_MEMBERS);
        }
        if (members.stream().noneMatch(MemberConfig::isElectable)) {
            throw new IllegalArgumentException(
                    "Replica set configuration must contain at least one non-arbiter member with priority > 0");
        }
        if (members.stream().filter(MemberConfig::arbiterOnly).count() > 1) {
            throw new IllegalArgumentException("Multiple arbiters are not allowed unless all nodes were started with "
                    + "with --setParameter 'allowMultipleArbiters=true'");
        }
    }

    Optional<MemberConfig> member(String host) {
        return members.stream().filter(member -> member.host().equals(host)).findFirst();
    }

    boolean contains(String host) {
        return member(host).isPresent();
    }

    int majorityVoteCount() {
        return (int) members.stream().filter(MemberConfig::isVoter).count() / 2 + 1;
    }

    /** How many data-bearing voters acknowledge a {@code w: "majority"} write: mongod's writeMajorityCount. */
    int writeMajorityCount() {
        int writableVoters = (int)
                members.stream().filter(m -> m.isVoter() && m.isDataBearing()).count();
        return Math.min(majorityVoteCount(), writableVoters);
    }

    int dataBearingCount() {
        return (int) members.stream().filter(MemberConfig::isDataBearing).count();
    }

    boolean hasArbiter() {
        return members.stream().anyMatch(MemberConfig::arbiterOnly);
    }

    Duration electionTimeout() {
        return Duration.ofMillis(((Number) settings.get("electionTimeoutMillis")).longValue());
    }

    Duration heartbeatInterval() {
        return Duration.ofMillis(((Number) settings.get("heartbeatIntervalMillis")).longValue());
    }

    Object replicaSetId() {
        return settings.get("replicaSetId");
    }

    /** mongod's ConfigVersionAndTerm order: by term when both have one and they differ, else by version. */
    boolean isNewerThan(ReplicaSetConfig other) {
        if (term != UNINITIALIZED_TERM && other.term != UNINITIALIZED_TERM && term != other.term) {
            return term > other.term;
        }
        return version > other.version;
    }

    String versionAndTerm() {
        return "{version: " + version + ", term: " + term + "}";
    }

    ReplicaSetConfig withTerm(long newTerm) {
        return new ReplicaSetConfig(name, version, newTerm, members, settings);
    }

    ReplicaSetConfig withVersion(int newVersion) {
        return new ReplicaSetConfig(name, newVersion, term, members, settings);
    }

    Document toDocument() {
        List<Document> memberDocuments =
                members.stream().map(MemberConfig::toDocument).toList();
        return new Document("_id", name)
                .append("version", version)
                .append("term", term)
                .append("members", new ArrayList<>(memberDocuments))
                .append("protocolVersion", 1L)
                .append("writeConcernMajorityJournalDefault", true)
                .append("settings", settings.cloneDeeply());
    }
}
