package io.steward.cli;

import io.steward.admin.AdminJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "topology",
        description = "Shows the members as a tree by upstream: the primary at the root, each replica under the member "
                + "it streams from.")
final class TopologyCommand extends ApiCommand {
    @Option(
            names = "--json",
            description = "Print the tree as JSON: each member with its role, address, note and replicas.")
    boolean json;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/cluster");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        AdminJson.Cluster cluster = JSON.readValue(response.body(), AdminJson.Cluster.class);
        if (json) {
            out.println(JSON.writeValueAsString(TopologyTree.build(cluster).stream()
                    .map(TopologyCommand::tree)
                    .toList()));
        } else {
            out.print(TopologyTree.render(cluster));
        }
    }

    private static Map<String, Object> tree(TopologyTree.Node node) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("name", node.member().name());
        tree.put("role", node.member().role().name().toLowerCase(Locale.ROOT));
        tree.put("leader", node.member().leader());
        tree.put("healthy", node.member().healthy());
        tree.put("database", node.member().database());
        tree.put("upstream", node.member().upstream());
        tree.put("note", node.note());
        List<Map<String, Object>> replicas =
                node.replicas().stream().map(TopologyCommand::tree).toList();
        tree.put("replicas", replicas);
        return tree;
    }
}
