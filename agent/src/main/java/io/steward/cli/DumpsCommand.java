package io.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;

@Command(name = "dumps", description = "Lists the cluster's archived dumps, oldest first.")
final class DumpsCommand extends ApiCommand {
    private static final String FORMAT = "%-44s %-9s %-24s %12s  %s";

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/dumps");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        out.println(header());
        for (JsonNode dump : JSON.readTree(response.body())) {
            out.println(row(dump));
        }
    }

    static String header() {
        return String.format(FORMAT, "DUMP", "CLASS", "EXPIRES", "STORED BYTES", "KEY");
    }

    static String row(JsonNode dump) {
        return String.format(
                FORMAT,
                dump.path("name").asText(),
                dump.path("retention").asText().toLowerCase(Locale.ROOT),
                dump.path("expires_at").asText(),
                dump.path("stored_size").asText(),
                dump.path("key").asText());
    }
}
