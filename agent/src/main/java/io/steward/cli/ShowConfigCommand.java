package io.steward.cli;

import io.steward.admin.AdminJson;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "show-config",
        description = "Shows the cluster-wide HA settings stored in ZooKeeper as YAML, and, as comments, the agent's "
                + "own values where the cluster sets nothing or where they differ.")
final class ShowConfigCommand extends ApiCommand {
    @Option(names = "--json", description = "Print the agent's answer as raw JSON.")
    boolean rawJson;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/config");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        if (rawJson) {
            out.println(response.body());
            return;
        }
        AdminJson.Config config = JSON.readValue(response.body(), AdminJson.Config.class);
        out.print(HaSettingsYaml.render(config, config.member()));
    }
}
