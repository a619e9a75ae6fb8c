package io.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;

@Command(name = "snapshots", description = "Lists the cluster's snapshot sets from the catalog, oldest first.")
final class SnapshotsCommand extends ApiCommand {
    private static final String FORMAT = "%-32s %-9s %-9s %-8s %-6s %-22s %s";

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/snapshots");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        out.println(header());
        for (JsonNode set : JSON.readTree(response.body())) {
            out.println(row(set));
        }
    }

    static String header() {
        return String.format(FORMAT, "SET", "STATUS", "CLASS", "ROLE", "EPOCH", "EXPIRES", "SNAPSHOTS");
    }

    static String row(JsonNode set) {
        StringBuilder snapshots = new StringBuilder();
        for (JsonNode volume : set.path("volumes")) {
            if (!snapshots.isEmpty()) {
                snapshots.append(',');
            }
            snapshots.append(volume.path("snapshot_id").asText());
        }
        String status = set.path("status").asText().toLowerCase(Locale.ROOT);
        String failure =
                set.path("failure").isTextual() ? " (" + set.path("failure").asText() + ")" : "";
        return String.format(
                FORMAT,
                set.path("id").asText(),
                status,
                set.path("retention").asText().toLowerCase(Locale.ROOT),
                set.path("role").asText(),
                set.path("epoch").asText(),
                set.path("expires_at").asText(),
                snapshots + failure);
    }
}
