package io.steward.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.steward.admin.AdminJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "history",
        description = "Lists the cluster's changes of primary, oldest first: epoch, time, from whom to whom, and why.")
final class HistoryCommand extends ApiCommand {
    @Option(names = "--json", description = "Print the agent's answer as raw JSON.")
    boolean rawJson;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/history");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        if (rawJson) {
            out.println(response.body());
        } else {
            out.print(HistoryTable.render(
                    JSON.readValue(response.body(), new TypeReference<List<AdminJson.History>>() {})));
        }
    }
}
