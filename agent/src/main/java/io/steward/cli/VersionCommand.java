package io.steward.cli;

import io.steward.admin.AdminJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "version",
        description = "Prints this CLI's version, then each member's agent version as the agent at --api knows them.")
final class VersionCommand extends ApiCommand {
    @Option(names = "--json", description = "Print the versions as JSON: {\"cli\": ..., \"members\": {name: version}}.")
    boolean json;

    @Override
    int run(AdminClient client, PrintWriter out, PrintWriter err) throws IOException {
        if (!json) {
            // first, so that it shows even when the agent cannot be reached
            out.println("steward CLI " + StewardCli.version());
            out.flush();
        }
        return exchange(client, out, err);
    }

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/cluster");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        AdminJson.Cluster cluster = JSON.readValue(response.body(), AdminJson.Cluster.class);
        if (json) {
            Map<String, String> members = new LinkedHashMap<>();
            cluster.members().forEach(member -> members.put(member.name(), member.agentVersion()));
            out.println(JSON.writeValueAsString(Map.of("cli", StewardCli.version(), "members", members)));
        } else {
            out.print(render(cluster, StewardCli.version()));
        }
    }

    /** One row per member; a version other than the CLI's is pointed out (a rolling upgrade half done, say). */
    static String render(AdminJson.Cluster cluster, String cliVersion) {
        TextTable table = new TextTable("MEMBER", "AGENT VERSION");
        for (AdminJson.Member member : cluster.members()) {
            String version = member.agentVersion() == null ? "unknown" : member.agentVersion();
            table.row(member.name(), version.equals(cliVersion) ? version : version + " (not the CLI's)");
        }
        return table.render();
    }
}
