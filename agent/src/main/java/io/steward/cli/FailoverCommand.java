package io.steward.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "failover",
        description = "Forces the named member to become primary, whether or not the current primary is alive.")
final class FailoverCommand extends ApiCommand {
    @Option(names = "--to", paramLabel = "NAME", required = true, description = "The member to promote.")
    String to;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.post("/failover", Map.of("to", to));
    }
}
