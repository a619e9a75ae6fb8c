package io.steward.cli;

import java.util.Map;
import picocli.CommandLine.Command;

@Command(
        name = "reinitialize",
        description = "Clones this node again from the primary: its data directory is moved aside (never deleted) and "
                + "a fresh copy taken. The way back for a replica that could not be rewound.")
final class ReinitializeCommand extends ApiCommand {

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.post("/reinitialize", Map.of());
    }
}
