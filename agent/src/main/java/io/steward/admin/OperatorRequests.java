package io.steward.admin;

import io.steward.config.HaConfig;
import io.steward.engine.Role;
import io.steward.ha.RestartRequest;
import io.steward.settings.ConfigProblem;
import io.steward.settings.ConfigProblems;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The admin API's requests that steer the HA loop: switchover, failover, maintenance, the cluster-wide settings,
 * reinitialisation, restart and reload. Each checks its body completely, then hands it to the {@link AdminBackend};
 * the answer is a line for the log and the caller.
 */
final class OperatorRequests {
    /**
     * How long a restart asked for at once is waited for before the answer says it is under way: a clean stop and a
     * start, with room for a checkpoint of a busy server.
     */
    static final Duration RESTART_WAIT = Duration.ofMinutes(5);

    private final AdminBackend backend;

    OperatorRequests(AdminBackend backend) {
        this.backend = backend;
    }

    /** A switchover at once or, with {@code scheduled_at}, at that time. */
    String switchover(RequestBody body) {
        Optional<String> to = body.optionalName("to");
        Optional<Instant> at = future(body, "scheduled_at", "to switch over now");
        backend.requestSwitchover(to, at);
        return "switchover to " + to.orElse("the best eligible replica")
                + at.map(time -> " scheduled at " + time).orElse(" requested");
    }

    String cancelSwitchover(RequestBody body) {
        return backend.cancelSwitchover() + " cancelled";
    }

    String failover(RequestBody body) {
        String to = body.requiredName("to");
        backend.requestFailover(to);
        return "failover to " + to + " requested";
    }

    String maintenance(RequestBody body) {
        boolean enabled = body.requiredBoolean("enabled");
        backend.setMaintenance(enabled);
        return "maintenance mode " + (enabled ? "on" : "off") + " requested";
    }

    /**
     * Cluster-wide HA settings: each given key is set (a text, number or boolean, as in the {@code ha:} section) or,
     * given as null, removed. Every value is checked the way the configuration file is before anything is stored.
     */
    String settings(RequestBody body) {
        Map<String, Optional<String>> changes = body.settings();
        if (changes.isEmpty()) {
            throw ApiError.badRequest("no setting given; settable: " + String.join(", ", HaConfig.KEYS));
        }
        Map<String, String> given = new TreeMap<>();
        changes.forEach((key, value) -> value.ifPresent(v -> given.put(key, v)));
        ConfigProblems problems = new ConfigProblems();
        HaConfig.DEFAULTS.overriddenBy(given, "settings", problems);
        if (!problems.isEmpty()) {
            throw ApiError.badRequest(
                    problems.list().stream().map(ConfigProblem::toString).collect(Collectors.joining("; ")));
        }
        backend.updateSettings(changes);
        return "cluster-wide settings changed: "
                + changes.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue().orElse("(node's own)"))
                        .collect(Collectors.joining(", "));
    }

    String reinitialize(RequestBody body) {
        requireThisMember(body);
        backend.requestReinitialize();
        return "reinitialization of this node requested";
    }

    /**
     * A restart of this node's server in place: one scheduled is accepted (202); one at once is answered once the
     * loop restarted the server or found it need not (200), or after {@link #RESTART_WAIT} with "under way" (202).
     */
    AdminServer.Outcome restart(RequestBody body) {
        String self = requireThisMember(body);
        Optional<Instant> at = future(body, "scheduled_at", "to restart now");
        RestartRequest request =
                new RestartRequest(at, body.optionalBoolean("pending", false), role(body), Instant.now());
        CompletableFuture<String> outcome = backend.requestRestart(request);
        if (at.isPresent()) {
            return accepted(self + ": " + request);
        }
        try {
            String done = self + ": " + outcome.get(RESTART_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return new AdminServer.Outcome(done, 200, new AdminJson.Message(done));
        } catch (ExecutionException e) {
            throw new RejectedRequest(
                    "restart of " + self + " failed: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            return accepted(self + ": restart under way for more than " + RESTART_WAIT.toMinutes()
                    + " minutes; GET /health says when it is back");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return accepted(self + ": restart under way");
        }
    }

    String cancelRestart(RequestBody body) {
        String self = requireThisMember(body);
        return self + ": " + backend.cancelRestart() + " cancelled";
    }

    String reload(RequestBody body) {
        String self = requireThisMember(body);
        backend.reload();
        return self + ": the server rereads its configuration files";
    }

    private static AdminServer.Outcome accepted(String message) {
        return new AdminServer.Outcome(message, 202, new AdminJson.Message(message));
    }

    /**
     * The member the request names, when it names one, must be this agent's: the CLI finds another member's agent
     * through {@code GET /cluster}, which may be out of date.
     */
    private String requireThisMember(RequestBody body) {
        String self = backend.self().name();
        Optional<String> member = body.optionalName("member");
        if (member.isPresent() && !member.get().equals(self)) {
            throw new RejectedRequest("this agent runs " + self + ", not " + member.get() + "; send the request to "
                    + member.get() + "'s agent (its apiUrl in GET /cluster)");
        }
        return self;
    }

    private static Optional<Role> role(RequestBody body) {
        return body.optionalName("role").map(text -> switch (text.toLowerCase(Locale.ROOT)) {
            case "primary" -> Role.PRIMARY;
            case "replica" -> Role.REPLICA;
            default -> throw ApiError.badRequest("field 'role' must be primary or replica, was '" + text + "'");
        });
    }

    /** A time that must be ahead: one already past would be carried out at once, which the caller can ask for plainly. */
    private static Optional<Instant> future(RequestBody body, String field, String plainly) {
        Optional<Instant> at = body.optionalTime(field);
        if (at.filter(time -> !time.isAfter(Instant.now())).isPresent()) {
            throw ApiError.badRequest(
                    "field '" + field + "' is " + at.get() + ", in the past; leave it out " + plainly);
        }
        return at;
    }
}
