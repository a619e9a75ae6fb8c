package io.steward.cli;

import io.steward.admin.AdminJson;
import io.steward.engine.Role;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Renders the cluster as {@code steward topology} prints it: a tree by upstream, the primary at the root and each
 * replica under the member it streams from (a chain, a cascade). A member whose upstream is none or
 * not a member is listed under the primary with a note saying so.
 */
final class TopologyTree {
    /** One member and those that stream from it; {@code note} says why it hangs where it does, when not by upstream. */
    record Node(AdminJson.Member member, String note, List<Node> replicas) {}

    private TopologyTree() {}

    /** The roots: the primary (none when there is none), then whatever could not be placed under it. */
    static List<Node> build(AdminJson.Cluster cluster) {
        List<AdminJson.Member> members = cluster.members().stream()
                .sorted(Comparator.comparing(AdminJson.Member::name))
                .toList();
        Optional<AdminJson.Member> primary = members.stream()
                .filter(AdminJson.Member::leader)
                .filter(m -> m.role() == Role.PRIMARY)
                .findFirst()
                .or(() -> members.stream().filter(m -> m.role() == Role.PRIMARY).findFirst());
        Map<String, List<AdminJson.Member>> byUpstream = new LinkedHashMap<>();
        List<AdminJson.Member> unplaced = new ArrayList<>();
        for (AdminJson.Member member : members) {
            if (primary.filter(member::equals).isPresent()) {
                continue;
            }
            Optional<AdminJson.Member> upstream = upstreamOf(member, members);
            if (upstream.isPresent()) {
                byUpstream
                        .computeIfAbsent(upstream.get().name(), name -> new ArrayList<>())
                        .add(member);
            } else {
                unplaced.add(member);
            }
        }
        Set<String> placed = new HashSet<>();
        List<Node> roots = new ArrayList<>();
        if (primary.isPresent()) {
            Node root = grow(primary.get(), null, byUpstream, placed);
            for (AdminJson.Member member : unplaced) {
                root.replicas().add(grow(member, unplacedNote(member), byUpstream, placed));
            }
            roots.add(root);
        } else {
            for (AdminJson.Member member : unplaced) {
                roots.add(grow(member, unplacedNote(member), byUpstream, placed));
            }
        }
        // streaming from one another in a circle, or from a member that is itself not placed: say so at the top
        for (AdminJson.Member member : members) {
            if (!placed.contains(member.name())) {
                Node lost = grow(
                        member,
                        "streams from " + member.upstream() + ", which does not lead to the primary",
                        byUpstream,
                        placed);
                (roots.isEmpty() ? roots : roots.get(0).replicas()).add(lost);
            }
        }
        return roots;
    }

    static String render(AdminJson.Cluster cluster) {
        List<Node> roots = build(cluster);
        StringBuilder text = new StringBuilder();
        if (roots.isEmpty()) {
            return "No members.\n";
        }
        if (roots.get(0).member().role() != Role.PRIMARY) {
            text.append("No primary.\n");
        }
        for (Node root : roots) {
            text.append(label(root)).append('\n');
            appendReplicas(text, root, "");
        }
        return text.toString();
    }

    private static void appendReplicas(StringBuilder text, Node node, String indent) {
        for (int i = 0; i < node.replicas().size(); i++) {
            Node replica = node.replicas().get(i);
            boolean last = i == node.replicas().size() - 1;
            text.append(indent)
                    .append(last ? "└── " : "├── ")
                    .append(label(replica))
                    .append('\n');
            appendReplicas(text, replica, indent + (last ? "    " : "│   "));
        }
    }

    private static String label(Node node) {
        AdminJson.Member member = node.member();
        StringBuilder label = new StringBuilder(member.name())
                .append(" (")
                .append(member.role().name().toLowerCase(Locale.ROOT))
                .append(member.leader() ? ", leader" : "")
                .append(member.healthy() ? "" : ", unhealthy")
                .append(")");
        if (member.database() != null) {
            label.append("  ").append(member.database());
        }
        if (member.role() == Role.REPLICA && member.lagBytes() >= 0) {
            label.append("  lag ").append(StatusTable.humanBytes(member.lagBytes()));
        }
        if (node.note() != null) {
            label.append("  (").append(node.note()).append(")");
        }
        return label.toString();
    }

    private static Node grow(
            AdminJson.Member member, String note, Map<String, List<AdminJson.Member>> byUpstream, Set<String> placed) {
        placed.add(member.name());
        Node node = new Node(member, note, new ArrayList<>());
        for (AdminJson.Member replica : byUpstream.getOrDefault(member.name(), List.of())) {
            if (!placed.contains(replica.name())) {
                node.replicas().add(grow(replica, null, byUpstream, placed));
            }
        }
        return node;
    }

    /** Its upstream as a member: engines name it by the address it streams from, some by the member's name. */
    private static Optional<AdminJson.Member> upstreamOf(AdminJson.Member member, List<AdminJson.Member> members) {
        if (member.upstream() == null) {
            return Optional.empty();
        }
        return members.stream()
                .filter(other -> !other.equals(member))
                .filter(other -> member.upstream().equals(other.name())
                        || member.upstream().equals(other.database()))
                .findFirst();
    }

    private static String unplacedNote(AdminJson.Member member) {
        if (member.role() == Role.PRIMARY) {
            return "also claims the primary's role";
        }
        return member.upstream() == null
                ? "streams from no one now"
                : "upstream " + member.upstream() + " is not a member";
    }
}
