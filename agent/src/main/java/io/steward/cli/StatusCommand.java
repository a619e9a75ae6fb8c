package io.steward.cli;

import io.steward.admin.AdminJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(
        name = "status",
        aliases = "list",
        description = "Shows the cluster: every member's address, role (the leader marked), health, pending restart, "
                + "lag in bytes and in time, timeline and tags.")
final class StatusCommand extends ApiCommand {
    /** Moves the cursor home and clears the screen (ANSI), so that each refresh redraws the table in place. */
    private static final String CLEAR_SCREEN = "\033[H\033[2J";

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");

    @Option(names = "--json", description = "Print the agent's answer as raw JSON.")
    boolean rawJson;

    @Option(
            names = {"-w", "--watch"},
            arity = "0..1",
            fallbackValue = "2",
            paramLabel = "SECONDS",
            description = "Refresh every SECONDS (default 2) until interrupted: on a terminal the screen is redrawn, "
                    + "otherwise each table follows the last, each after a line with the time.")
    Double watchSeconds;

    @Option(names = "--count", paramLabel = "N", description = "With --watch: stop after N tables (for scripts).")
    Integer count;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable {
        return client.get("/cluster");
    }

    @Override
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException {
        if (rawJson) {
            out.println(response.body());
        } else {
            out.print(StatusTable.render(JSON.readValue(response.body(), AdminJson.Cluster.class)));
        }
    }

    @Override
    int run(AdminClient client, PrintWriter out, PrintWriter err) throws IOException {
        if (count != null && (count < 1 || watchSeconds == null)) {
            throw new ParameterException(spec.commandLine(), "--count takes a number from 1 up, and goes with --watch");
        }
        if (watchSeconds == null) {
            return exchange(client, out, err);
        }
        if (!(watchSeconds > 0) || watchSeconds > 86_400) {
            throw new ParameterException(spec.commandLine(), "--watch takes seconds above 0, up to a day");
        }
        Duration interval = Duration.ofMillis(Math.max(1, Math.round(watchSeconds * 1000)));
        boolean terminal = System.console() != null;
        int exitCode = StewardCli.EXIT_OK;
        for (int shown = 0; count == null || shown < count; shown++) {
            if (shown > 0) {
                try {
                    Thread.sleep(interval.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (terminal) {
                out.print(CLEAR_SCREEN);
            } else if (shown > 0) {
                out.println();
            }
            out.println(ZonedDateTime.now().format(TIMESTAMP) + " (every "
                    + StatusTable.humanMillis(interval.toMillis()) + "; Ctrl-C to stop)");
            out.flush();
            // an agent that stops answering for a moment is shown as such, and the watch goes on
            exitCode = exchange(client, out, err);
        }
        return exitCode;
    }
}
