package io.steward.mongodb;

import io.steward.engine.ClusterMember;
import io.steward.engine.EngineException;
import io.steward.mongodb.MongoSettings.MemberRole;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;

/**
 * The next replica-set configuration the primary applies so that every member ZooKeeper knows is in the set: one
 * member per reconfiguration, since MongoDB accepts at most one voting member's change at a time, with the version
 * one above the current one so that a concurrent change makes it fail instead of being overwritten.
 */
final class MembershipPlan {
    /** The tag a member announces its role under ({@link io.steward.engine.ManagedMembership#memberTags()}). */
    static final String ROLE_TAG = "mongodb.role";
    /** MongoDB allows at most seven voting members; the others join without a vote, and so never as candidates. */
    static final int MAX_VOTERS = 7;
    /** Member {@code _id}s are 0 to 255. */
    private static final int MAX_MEMBER_ID = 255;

    private MembershipPlan() {}

    /** A configuration with only this node, for {@code replSetInitiate}. */
    static Document initial(String replicaSet, String host, int priority) {
        return new Document("_id", replicaSet)
                .append("version", 1)
                .append(
                        "members",
                        List.of(new Document("_id", 0).append("host", host).append("priority", priority)));
    }

    /**
     * The next single change: first a voting data member whose priority differs from its {@code node.priority} gets
     * it (so that the member that created the set with MongoDB's default is not outranked by the first one added, and
     * an election by priority takeover follows only what the operator set), then a missing member is added.
     *
     * @param config the set's current configuration ({@code replSetGetConfig}'s {@code config})
     */
    static Optional<Document> next(Document config, List<ClusterMember> members) {
        return reprioritize(config, members).or(() -> addNext(config, members));
    }

    private static Optional<Document> reprioritize(Document config, List<ClusterMember> members) {
        List<Document> current = config.getList("members", Document.class);
        for (int i = 0; i < current.size(); i++) {
            Document member = current.get(i);
            boolean electable = !Boolean.TRUE.equals(member.get("arbiterOnly"))
                    && !Boolean.TRUE.equals(member.get("hidden"))
                    && ((Number) member.get("votes", 1)).intValue() > 0;
            Optional<ClusterMember> announced = members.stream()
                    .filter(m -> host(m).equalsIgnoreCase(member.getString("host")))
                    .filter(m -> role(m).filter(MemberRole.ACTIVE::equals).isPresent())
                    .findFirst();
            if (electable
                    && announced.isPresent()
                    && ((Number) member.get("priority", 1)).doubleValue()
                            != announced.get().priority()) {
                List<Document> next = new ArrayList<>(current);
                next.set(
                        i,
                        new Document(member).append("priority", announced.get().priority()));
                return Optional.of(withMembers(config, next));
            }
        }
        return Optional.empty();
    }

    /** @return the configuration that adds the first healthy member not in the set yet, or empty when every one is */
    static Optional<Document> addNext(Document config, List<ClusterMember> members) {
        List<Document> current = config.getList("members", Document.class);
        Set<String> hosts = new HashSet<>();
        Set<Integer> ids = new HashSet<>();
        int voters = 0;
        for (Document member : current) {
            hosts.add(member.getString("host").toLowerCase(Locale.ROOT));
            ids.add(((Number) member.get("_id")).intValue());
            voters += ((Number) member.get("votes", 1)).intValue() > 0 ? 1 : 0;
        }
        Optional<ClusterMember> missing = members.stream()
                .filter(ClusterMember::healthy)
                .filter(m -> role(m).isPresent())
                .filter(m -> !hosts.contains(host(m).toLowerCase(Locale.ROOT)))
                .findFirst();
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        int id = 0;
        while (ids.contains(id)) {
            id++;
        }
        if (id > MAX_MEMBER_ID) {
            throw new EngineException("replica set has " + current.size() + " members; MongoDB allows no more");
        }
        List<Document> next = new ArrayList<>(current);
        next.add(memberDocument(id, missing.get(), voters < MAX_VOTERS));
        return Optional.of(withMembers(config, next));
    }

    /** The configuration without the member at {@code host}; empty when it is not in the set. */
    static Optional<Document> remove(Document config, String host) {
        List<Document> current = config.getList("members", Document.class);
        List<Document> next = current.stream()
                .filter(m -> !m.getString("host").equalsIgnoreCase(host))
                .toList();
        if (next.size() == current.size()) {
            return Optional.empty();
        }
        return Optional.of(withMembers(config, next));
    }

    /** The same configuration with other members, one version on. */
    private static Document withMembers(Document config, List<Document> members) {
        Document updated = new Document(config);
        updated.put("version", ((Number) config.get("version")).intValue() + 1);
        updated.put("members", members);
        return updated;
    }

    /** For the log: the members that are new or changed in {@code next}, as MongoDB will hold them. */
    static String describeChange(Document config, Document next) {
        List<Document> before = config.getList("members", Document.class);
        List<String> changed = next.getList("members", Document.class).stream()
                .filter(m -> !before.contains(m))
                .map(Document::toJson)
                .toList();
        return changed.isEmpty()
                ? "without "
                        + before.stream()
                                .filter(m ->
                                        !next.getList("members", Document.class).contains(m))
                                .map(Document::toJson)
                                .toList()
                : String.join(", ", changed);
    }

    static String host(ClusterMember member) {
        return member.database().host() + ":" + member.database().port();
    }

    /** Empty for a role this agent does not know (announced by a newer one): such a member is left out, not guessed. */
    static Optional<MemberRole> role(ClusterMember member) {
        String tag = member.tags().getOrDefault(ROLE_TAG, "active");
        try {
            return Optional.of(MemberRole.valueOf(tag.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Document memberDocument(int id, ClusterMember member, boolean votes) {
        MemberRole role = role(member).orElseThrow();
        Document document = new Document("_id", id).append("host", host(member));
        switch (role) {
            case ARBITER -> document.append("arbiterOnly", true).append("priority", 0);
            case HIDDEN -> document.append("hidden", true).append("priority", 0);
            case ACTIVE -> document.append("priority", votes ? member.priority() : 0);
        }
        return document.append("votes", votes ? 1 : 0);
    }
}
