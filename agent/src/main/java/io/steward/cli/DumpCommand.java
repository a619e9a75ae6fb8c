package io.steward.cli;

import io.steward.progress.ProgressPrinter;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "dump", description = "Takes a dump of the node's dataset now, archives it in S3, and prints it.")
final class DumpCommand extends ApiCommand {
    /** Long enough for a large dataset's dump and its upload. */
    private static final Duration TIMEOUT = Duration.ofMinutes(60);

    private ProgressPrinter progress;

    @Override
    int run(AdminClient client, PrintWriter out, PrintWriter err) throws IOException {
        progress = ProgressPrinter.forConsole(out);
        return exchange(client, out, err);
    }

    /** On a terminal, the time the dump has taken so far, while the agent works. */
    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        try (ProgressPrinter.Ticker ticker = progress.ticking("taking a dump", Duration.ofSeconds(1))) {
            return client.post("/dump", Map.of(), TIMEOUT);
        }
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        out.print(DumpsCommand.table(JSON.createArrayNode().add(JSON.readTree(response.body()))));
    }
}
