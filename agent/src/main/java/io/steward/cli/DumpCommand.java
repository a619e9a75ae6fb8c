package io.steward.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(name = "dump", description = "Takes a dump of the node's dataset now, archives it in S3, and prints it.")
final class DumpCommand extends ApiCommand {
    /** Long enough for a large dataset's dump and its upload. */
    private static final Duration TIMEOUT = Duration.ofMinutes(60);

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.post("/dump", Map.of(), TIMEOUT);
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        out.print(DumpsCommand.table(JSON.createArrayNode().add(JSON.readTree(response.body()))));
    }
}
