package io.steward.postgres;

import io.steward.engine.Role;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the primary, {@code synchronous_standby_names}: which replicas must confirm a commit before it is acknowledged,
 * set with {@code ALTER SYSTEM} and in force once the server has reloaded it.
 */
final class SynchronousStandbyNames {
    private static final Logger log = LoggerFactory.getLogger(SynchronousStandbyNames.class);
    private static final String SETTING = "synchronous_standby_names";
    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(10);

    private final StatusProbe status;
    private final PostgresConnection connection;

    SynchronousStandbyNames(StatusProbe status, PostgresConnection connection) {
        this.status = status;
        this.connection = connection;
    }

    void set(List<String> memberNames) {
        if (status.probe().role() != Role.PRIMARY) {
            return;
        }
        String step = "set synchronous standbys";
        String wanted = value(memberNames);
        if (wanted.equals(connection.currentSetting(step, SETTING))) {
            return;
        }
        log.info("Setting synchronous_standby_names to '{}'", wanted);
        connection.execute(step, alterSystem(wanted));
        connection.reloadConfiguration(step);
        // The reload is asynchronous; return once the server works with the new value.
        Polling.waitUntil(
                step + ": wait for the reload",
                RELOAD_TIMEOUT,
                () -> wanted.equals(connection.currentSetting(step, SETTING)));
    }

    /** The first of the named members, each once, in the given order; empty: replication is asynchronous. */
    static String value(List<String> memberNames) {
        return memberNames.isEmpty()
                ? ""
                : "FIRST 1 ("
                        + new LinkedHashSet<>(memberNames)
                                .stream()
                                        .map(name -> '"' + name.replace("\"", "\"\"") + '"')
                                        .collect(Collectors.joining(","))
                        + ")";
    }

    static String alterSystem(String value) {
        return "ALTER SYSTEM SET " + SETTING + " = '" + value.replace("'", "''") + "'";
    }
}
