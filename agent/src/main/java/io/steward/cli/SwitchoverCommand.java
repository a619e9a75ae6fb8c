package io.steward.cli;

import io.steward.admin.AdminJson;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "switchover",
        description = "Asks for a planned change of primary that loses nothing: the candidate catches up first. "
                + "With --scheduled the primary carries it out at that time; --cancel drops a pending one.")
final class SwitchoverCommand extends ConfirmedCommand {
    @Option(
            names = "--to",
            paramLabel = "NAME",
            description = "The member to promote (default: the best eligible replica).")
    String to;

    @Option(
            names = "--scheduled",
            paramLabel = "TIME",
            description = "When: ISO-8601 (2026-05-04T10:30:00Z, or 2026-05-04T10:30 in local time) or HH:MM today.")
    String scheduled;

    @Option(names = "--cancel", description = "Cancel the pending (or scheduled) switchover instead.")
    boolean cancel;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable, IOException {
        if (cancel) {
            return client.post("/switchover/cancel", Map.of());
        }
        Optional<Instant> at = Optional.ofNullable(scheduled).map(text -> {
            try {
                return ScheduledTime.parse(text, Clock.systemDefaultZone());
            } catch (IllegalArgumentException e) {
                throw new Stop(e.getMessage(), StewardCli.EXIT_USAGE);
            }
        });
        AdminJson.Cluster cluster = MemberAgent.read(client, "/cluster", AdminJson.Cluster.class);
        String primary = cluster.leader() == null ? "(none)" : cluster.leader();
        String candidate = to == null ? "the best eligible replica at the time" : to;
        spec.commandLine().getOut().println("Current primary: " + primary + "; candidate: " + candidate);
        confirm(
                "Switch over from " + primary + " to " + candidate
                        + at.map(time -> " at " + time).orElse(" now") + "?",
                "switch over");
        Map<String, String> body = new HashMap<>();
        if (to != null) {
            body.put("to", to);
        }
        at.ifPresent(time -> body.put("scheduled_at", time.toString()));
        return client.post("/switchover", body);
    }
}
