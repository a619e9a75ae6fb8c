package io.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.progress.ProgressFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine.Command;

@Command(name = "snapshots", description = "Lists the cluster's snapshot sets from the catalog, oldest first.")
final class SnapshotsCommand extends ApiCommand {
    private static final String[] HEADER = {
        "SET", "STATUS", "PENDING FOR", "CLASS", "ROLE", "EPOCH", "EXPIRES", "SNAPSHOTS"
    };

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/snapshots");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        out.print(table(JSON.readTree(response.body()), Instant.now()));
    }

    /**
     * The sets as a table, a header first; each column as wide as its longest value. A pending set shows how long it
     * has been pending at {@code now} (its snapshots still copying), the others a dash.
     */
    static String table(JsonNode sets, Instant now) {
        TextTable table = new TextTable(HEADER);
        for (JsonNode set : sets) {
            table.row(row(set, now));
        }
        return table.render();
    }

    private static String[] row(JsonNode set, Instant now) {
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
            status.equals("pending") ? pendingFor(set, now) : "-",
            set.path("retention").asText().toLowerCase(Locale.ROOT),
            set.path("role").asText(),
            set.path("epoch").asText(),
            set.path("expires_at").asText(),
            snapshots + failure
        };
    }

    private static String pendingFor(JsonNode set, Instant now) {
        try {
            return ProgressFormat.elapsed(
                    Duration.between(Instant.parse(set.path("created_at").asText()), now));
        } catch (DateTimeParseException e) {
            return "?";
        }
    }
}
