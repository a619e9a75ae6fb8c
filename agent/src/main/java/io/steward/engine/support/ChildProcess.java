package io.steward.engine.support;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where every program the agent starts gets its environment (DESIGN rule 9): an allow-list, never the agent's own
 * environment. The agent's environment holds secrets ({@code STEWARD_ADMIN_TOKEN}, {@code
 * STEWARD_ZOOKEEPER_DIGEST_PASSWORD}, {@code AWS_SECRET_ACCESS_KEY}...), and a database server keeps what it was
 * started with in {@code /proc/PID/environ}, which its own users can read through the server (a SQL function that
 * reads server files, for one). A child that needs a secret gets it in a file only its user can read, never here.
 *
 * <p>What passes: {@code PATH} (the programs are found by name), {@code LANG}, {@code LANGUAGE} and {@code LC_*}
 * (messages and the server's default locale), {@code TZ}. {@code HOME}, {@code USER} and {@code LOGNAME} are not
 * passed: {@code runuser} sets those of the database's user, and no program run as root needs them.
 */
public final class ChildProcess {
    /** What a systemd service gets when it sets none, so that a child finds its programs even then. */
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static final Set<String> PASSED = Set.of("PATH", "LANG", "LANGUAGE", "TZ");
    private static final String LOCALE_PREFIX = "LC_";

    private ChildProcess() {}

    /**
     * A process builder for {@code command} whose environment is the allow-list of this agent's environment plus
     * {@code additions} (what the program itself needs, e.g. {@code PGPASSFILE}).
     */
    public static ProcessBuilder builder(List<String> command, Map<String, String> additions) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(environment(System.getenv(), additions));
        return builder;
    }

    /** A process builder for a program that needs nothing beyond the allow-list. */
    public static ProcessBuilder builder(List<String> command) {
        return builder(command, Map.of());
    }

    /** The allow-listed part of {@code agentEnvironment}, with a default PATH, and then {@code additions}. */
    static Map<String, String> environment(Map<String, String> agentEnvironment, Map<String, String> additions) {
        Map<String, String> environment = new TreeMap<>();
        agentEnvironment.forEach((name, value) -> {
            if (PASSED.contains(name) || name.startsWith(LOCALE_PREFIX)) {
                environment.put(name, value);
            }
        });
        environment.putIfAbsent("PATH", DEFAULT_PATH);
        environment.putAll(additions);
        return environment;
    }
}
