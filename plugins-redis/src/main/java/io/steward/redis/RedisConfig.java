package io.steward.redis;

import io.steward.engine.Endpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The redis.conf Steward writes for its server. Every line comes from the settings and the node's role, so the file
 * is rewritten, never edited: a server restarted from it comes back in the role Steward last gave it.
 */
final class RedisConfig {
    /** Redis's default save points: after 1 h if 1 key changed, 5 min if 100, 1 min if 10000. */
    static final String SAVE_POINTS = "3600 1 300 100 60 10000";
    /**
     * Where a fenced server replicates from: nothing listens on port 1, so the server stays a read-only replica
     * with its data intact until it is told to follow the real primary.
     */
    static final Endpoint NOWHERE = new Endpoint("127.0.0.1", 1);
    /** Files in the data directory: this config, and the pid file and log redis-server writes. */
    static final String FILE_NAME = "steward-redis.conf";

    static final String PID_FILE_NAME = "redis.pid";
    static final String LOG_FILE_NAME = "redis.log";

    private RedisConfig() {}

    /**
     * @param replicaOf the primary to replicate from, or empty for a writable primary
     */
    static List<String> lines(RedisSettings settings, Optional<Endpoint> replicaOf) {
        return lines(settings, replicaOf, true);
    }

    /**
     * For loading a restored dump.rdb: with the append-only file on and none there yet, Redis would start empty
     * instead of loading the RDB file, so it starts without it and turns it on once the dataset is in memory.
     */
    static List<String> linesLoadingDump(RedisSettings settings) {
        return lines(settings, Optional.empty(), false);
    }

    private static List<String> lines(RedisSettings settings, Optional<Endpoint> replicaOf, boolean appendOnly) {
        Path dir = settings.dataDir();
        List<String> lines = new ArrayList<>(List.of(
                "# Written by Steward; rewritten on every change of role. Local changes are lost.",
                "bind " + settings.listenAddress(),
                "port " + settings.port(),
                "protected-mode no",
                "daemonize yes",
                "dir " + dir,
                "pidfile " + pidFile(settings),
                "logfile " + logFile(settings),
                "loglevel " + settings.logLevel(),
                // a replica that is told to follow starts at once rather than after the default 5 s
                "repl-diskless-sync yes",
                "repl-diskless-sync-delay 0",
                "replica-read-only yes",
                "replica-serve-stale-data yes",
                // Steward, not Redis, decides who may be promoted
                "replica-priority 100"));
        settings.password().ifPresent(password -> {
            lines.add("requirepass \"" + password + "\"");
            lines.add("masterauth \"" + password + "\"");
        });
        switch (settings.persistence()) {
            case NO -> lines.addAll(List.of("save \"\"", "appendonly no"));
            case LOW -> lines.addAll(List.of("save " + SAVE_POINTS, "appendonly no"));
            case NORMAL -> lines.addAll(List.of("save " + SAVE_POINTS, appendOnly(appendOnly), "appendfsync everysec"));
            case HIGH -> lines.addAll(List.of("save " + SAVE_POINTS, appendOnly(appendOnly), "appendfsync always"));
        }
        lines.add("maxmemory " + settings.maxmemoryBytes());
        lines.add("maxmemory-policy " + settings.maxmemoryPolicy());
        replicaOf.ifPresent(primary -> lines.add("replicaof " + primary.host() + " " + primary.port()));
        return lines;
    }

    private static String appendOnly(boolean on) {
        return on ? "appendonly yes" : "appendonly no";
    }

    static Path file(RedisSettings settings) {
        return settings.dataDir().resolve(FILE_NAME);
    }

    static Path pidFile(RedisSettings settings) {
        return settings.dataDir().resolve(PID_FILE_NAME);
    }

    static Path logFile(RedisSettings settings) {
        return settings.dataDir().resolve(LOG_FILE_NAME);
    }
}
