package io.steward.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "snapshot",
        description =
                "Takes a snapshot set of the node's data volumes now, and prints it once its snapshots are pending.")
final class SnapshotCommand extends ApiCommand {
    /** Long enough for the backup start's checkpoint and the end's wait for the archive. */
    private static final Duration TIMEOUT = Duration.ofMinutes(15);

    enum Retention {
        hourly,
        daily,
        weekly,
        monthly
    }

    @Option(
            names = "--retention",
            paramLabel = "CLASS",
            defaultValue = "hourly",
            description = "How long the set is kept: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Retention retention;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.post("/snapshot", Map.of("retention", retention.name()), TIMEOUT);
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        out.print(SnapshotsCommand.table(JSON.createArrayNode().add(JSON.readTree(response.body())), Instant.now()));
    }
}
