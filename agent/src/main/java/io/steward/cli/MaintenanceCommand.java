package io.steward.cli;

import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(
        name = "maintenance",
        description = "Turns maintenance mode on or off for the whole cluster: agents keep reporting but take no "
                + "automatic action.")
final class MaintenanceCommand extends ApiCommand {
    @Parameters(paramLabel = "on|off", description = "on or off")
    String state;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.post("/maintenance", Map.of("enabled", enabled()));
    }

    private boolean enabled() {
        return switch (state.toLowerCase(Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new ParameterException(spec.commandLine(), "expected on or off, was '" + state + "'");
        };
    }
}
