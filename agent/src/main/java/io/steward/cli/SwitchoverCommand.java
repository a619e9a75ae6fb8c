package io.steward.cli;

import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "switchover",
        description = "Asks for a planned change of primary that loses nothing: the candidate catches up first.")
final class SwitchoverCommand extends ApiCommand {
    @Option(
            names = "--to",
            paramLabel = "NAME",
            description = "The member to promote (default: the best eligible replica).")
    String to;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        Map<String, String> body = new HashMap<>();
        if (to != null) {
            body.put("to", to);
        }
        return client.post("/switchover", body);
    }
}
