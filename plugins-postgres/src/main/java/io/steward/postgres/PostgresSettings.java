package io.steward.postgres;

import io.steward.engine.Endpoint;
import io.steward.engine.EngineContext;
import io.steward.settings.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code postgresql:} section of the configuration.
 *
 * @param parameters server settings for steward.conf, as {@link ServerParameters} reads them: archive_mode among
 *        them whenever archive_command is
 * @param extraHbaLines lines put before Steward's own pg_hba.conf rules, so that they can narrow what those allow
 * @param reinitializeOnRewindFailure a replica that cannot be rewound (for a reason that will not pass) is cloned
 *        again without an operator, if its filesystem has room for the copy beside the old data directory
 */
public record PostgresSettings(
        Path binDir,
        Path dataDir,
        int port,
        String listenAddress,
        Path socketDir,
        String osUser,
        String superuser,
        String superuserPassword,
        String replicationUser,
        String replicationPassword,
        Map<String, String> parameters,
        List<String> extraHbaLines,
        Duration connectTimeout,
        Duration stopTimeout,
        boolean reinitializeOnRewindFailure) {

    private static final Pattern ROLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Reads and validates the section; every problem is recorded in the context's settings, nothing is thrown. */
    public static PostgresSettings read(EngineContext context) {
        Settings settings = context.settings();
        Path binDir = settings.path("bin_dir", Path.of("/usr/lib/postgresql/15/bin"));
        Path dataDir = settings.requiredString("data_dir", "the absolute path of the PostgreSQL data directory")
                .transform(text -> text.isEmpty() ? Path.of("") : Path.of(text));
        if (!dataDir.toString().isEmpty() && !dataDir.isAbsolute()) {
            settings.problems().add(settings.keyPath("data_dir"), dataDir, "an absolute path");
        }
        if (!binDir.isAbsolute()) {
            settings.problems().add(settings.keyPath("bin_dir"), binDir, "an absolute path");
        }
        int port = settings.integer("port", 5432, 1, 65535);
        String listenAddress = settings.string("listen_address", context.advertisedHost());
        Path socketDir = settings.path("socket_dir", Path.of("/var/run/postgresql"));
        String osUser = settings.string("os_user", "postgres");
        String superuser = roleName(settings, "superuser", "postgres");
        String superuserPassword = settings.requiredSecret(
                "superuser_password", "the password of the database superuser (used by the agent and by pg_rewind)");
        String replicationUser = roleName(settings, "replication_user", "replicator");
        String replicationPassword = settings.requiredSecret(
                "replication_password",
                "the password of the replication role (used by replicas to stream from the primary)");
        Map<String, String> parameters = ServerParameters.read(settings);
        // Settings reads scalars only, so the extra rules come as one block of text, one rule per line.
        List<String> extraHbaLines = settings.optionalString("pg_hba")
                .map(text -> text.lines()
                        .map(String::strip)
                        .filter(line -> !line.isEmpty())
                        .toList())
                .orElse(List.of());
        Duration connectTimeout = settings.duration(
                "connect_timeout", Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofMinutes(1));
        Duration stopTimeout =
                settings.duration("stop_timeout", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofHours(1));
        boolean reinitializeOnRewindFailure = settings.bool("reinitialize_on_rewind_failure", false);
        return new PostgresSettings(
                binDir,
                dataDir,
                port,
                listenAddress,
                socketDir,
                osUser,
                superuser,
                superuserPassword,
                replicationUser,
                replicationPassword,
                parameters,
                extraHbaLines,
                connectTimeout,
                stopTimeout,
                reinitializeOnRewindFailure);
    }

    private static String roleName(Settings settings, String key, String defaultValue) {
        String name = settings.string(key, defaultValue);
        // Role names end up unquoted in pg_hba.conf and in SQL identifiers; keep them plain.
        if (!ROLE_NAME.matcher(name).matches()) {
            settings.problems().add(settings.keyPath(key), name, "a role name of letters, digits and '_'");
            return defaultValue;
        }
        return name;
    }

    public Path binary(String name) {
        return binDir.resolve(name);
    }

    /** The host the agent connects to for the local server: a wildcard listen address is reached on loopback. */
    public String localConnectHost() {
        return Endpoint.localConnectHost(listenAddress);
    }

    @Override
    public String toString() {
        // Never print the passwords.
        return "PostgresSettings[dataDir=" + dataDir + ", port=" + port + ", listenAddress=" + listenAddress + "]";
    }
}
