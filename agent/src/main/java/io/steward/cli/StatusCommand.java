package io.steward.cli;

import io.steward.admin.AdminJson;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Shows the cluster: every member's role, health, lag and timeline.")
final class StatusCommand extends ApiCommand {
    @Option(names = "--json", description = "Print the agent's answer as raw JSON.")
    boolean rawJson;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/cluster");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        if (rawJson) {
            out.println(response.body());
        } else {
            out.print(StatusTable.render(JSON.readValue(response.body(), AdminJson.Cluster.class)));
        }
    }
}
