package io.steward.cli;

import io.steward.engine.Role;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "restart",
        description = {
            "Restarts a member's database server in place, to apply settings that need a restart. A replica stops "
                    + "streaming meanwhile. The primary keeps its lease and restarts in place, with no failover: "
                    + "writes stop until it is back (a clean stop and start, usually seconds); if it does not come "
                    + "back, ha.primary_start_timeout later a replica takes over as after a crash.",
            "The agent carries it out between two HA ticks; a scheduled restart waits in that agent (GET /health shows "
                    + "it) and is lost if the agent stops first."
        })
final class RestartCommand extends ConfirmedCommand {
    /** The agent answers an immediate restart once it is done: a clean stop and start, with room to spare. */
    private static final Duration TIMEOUT = Duration.ofMinutes(6);

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "MEMBER",
            description = "The member to restart (default: the one the agent of --api runs).")
    String member;

    @Option(names = "--pending", description = "Restart only if a setting waits for a restart.")
    boolean pending;

    @Option(
            names = "--scheduled",
            paramLabel = "TIME",
            description = "When: ISO-8601 (2026-05-04T10:30:00Z, or 2026-05-04T10:30 in local time) or HH:MM today.")
    String scheduled;

    @Option(
            names = "--role",
            paramLabel = "primary|replica",
            description = "Restart only if the member has this role when the time comes.")
    String role;

    @Option(names = "--cancel", description = "Cancel the restart that waits on the member instead.")
    boolean cancel;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable, java.io.IOException {
        Optional<Instant> at = Optional.ofNullable(scheduled).map(this::scheduledTime);
        Optional<Role> wanted = Optional.ofNullable(role).map(this::role);
        MemberAgent target = MemberAgent.find(client, Optional.ofNullable(member));
        String name = target.member().name();
        if (cancel) {
            return target.client().post("/restart/cancel", Map.of("member", name));
        }
        String when = at.map(time -> " at " + time).orElse(" now");
        String question = target.isPrimary()
                ? name + " is the primary: it keeps the lease and restarts in place, with no failover, and takes no "
                        + "writes until it is back. Restart " + name + when + "?"
                : "Restart " + target.describe() + when + "?";
        confirm(question + (pending ? " (only if a setting waits for a restart)" : ""), "restart " + name);
        Map<String, Object> body = new HashMap<>();
        body.put("member", name);
        body.put("pending", pending);
        at.ifPresent(time -> body.put("scheduled_at", time.toString()));
        wanted.ifPresent(r -> body.put("role", r.name().toLowerCase(Locale.ROOT)));
        return target.client().post("/restart", body, TIMEOUT);
    }

    private Instant scheduledTime(String text) {
        try {
            return ScheduledTime.parse(text, Clock.systemDefaultZone());
        } catch (IllegalArgumentException e) {
            throw new Stop(e.getMessage(), StewardCli.EXIT_USAGE);
        }
    }

    private Role role(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "primary" -> Role.PRIMARY;
            case "replica" -> Role.REPLICA;
            default -> throw new Stop("--role must be primary or replica, was '" + text + "'", StewardCli.EXIT_USAGE);
        };
    }
}
