package io.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;

@Command(name = "snapshots", description = "Lists the cluster's snapshot sets from the catalog, oldest first.")
final class SnapshotsCommand extends ApiCommand {
    private static final String[] HEADER = {"SET", "STATUS", "CLASS", "ROLE", "EPOCH", "EXPIRES", "SNAPSHOTS"};

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/snapshots");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        out.print(table(JSON.readTree(response.body())));
    }

    /** The sets as a table, a header first; each column as wide as its longest value. */
    static String table(JsonNode sets) {
        TextTable table = new TextTable(HEADER);
        for (JsonNode set : sets) {
            table.row(row(set));
        }
        return table.render();
    }

    private static String[] row(JsonNode set) {
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
        return new String[] {
            set.path("id").asText(),
            status,
            set.path("retention").asText().toLowerCase(Locale.ROOT),
            set.path("role").asText(),
            set.path("epoch").asText(),
            set.path("expires_at").asText(),
            snapshots + failure
        };
    }
}
