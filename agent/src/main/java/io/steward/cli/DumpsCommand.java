package io.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;

@Command(name = "dumps", description = "Lists the cluster's archived dumps, oldest first.")
final class DumpsCommand extends ApiCommand {
    private static final String[] HEADER = {"DUMP", "CLASS", "EXPIRES", "STORED BYTES", "KEY"};

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/dumps");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        out.print(table(JSON.readTree(response.body())));
    }

    /** The dumps as a table, a header first; each column as wide as its longest value. */
    static String table(JsonNode dumps) {
        TextTable table = new TextTable(HEADER);
        for (JsonNode dump : dumps) {
            table.row(
                    dump.path("name").asText(),
                    dump.path("retention").asText().toLowerCase(Locale.ROOT),
                    dump.path("expires_at").asText(),
                    dump.path("stored_size").asText(),
                    dump.path("key").asText());
        }
        return table.render();
    }
}
