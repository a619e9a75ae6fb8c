package io.steward.redis;

import io.steward.engine.DumpName;
import io.steward.engine.DumpSelector;
import io.steward.engine.Endpoint;
import io.steward.engine.EngineContext;
import io.steward.engine.ReplicationStyle.Topology;
import io.steward.engine.support.MachineMemory;
import io.steward.settings.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code redis:} section of the configuration, including the book's user-data keys ({@code persistence},
 * {@code maxmemory}, {@code maxmemory-policy}, {@code logging}).
 *
 * @param maxmemoryBytes 0 for no limit
 * @param password {@code requirepass} on every node and {@code masterauth} for replication; empty for none
 * @param dumpTimeout how long a dump for the archive ({@code BGSAVE}) may take
 * @param rdb the archived dump a new cluster starts from (the book's {@code rdb}); empty: it starts empty
 * @param topology {@code star} (every replica follows the primary) or the book's {@code chain}
 */
public record RedisSettings(
        Path binDir,
        Path dataDir,
        int port,
        String listenAddress,
        String osUser,
        Optional<String> password,
        Persistence persistence,
        long maxmemoryBytes,
        String maxmemoryPolicy,
        String logLevel,
        Duration connectTimeout,
        Duration startTimeout,
        Duration stopTimeout,
        Duration dumpTimeout,
        Optional<DumpSelector> rdb,
        Topology topology) {

    /** Redis's own list (redis.conf, 7.0); anything else would make redis-server refuse to start. */
    static final List<String> MAXMEMORY_POLICIES = List.of(
            "noeviction",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl");

    /** The book's {@code maxmemory: on}: this share of the machine's memory. */
    static final double MAXMEMORY_SHARE_OF_RAM = 0.6;

    /** The format of Redis's dumps, as their names carry it. */
    static final String RDB_FORMAT = "rdb";

    /** The book's persistence levels. */
    public enum Persistence {
        /** Nothing on disk: a restarted server is empty. */
        NO,
        /** RDB dumps (and so dumps to S3 and EBS snapshots). */
        LOW,
        /** low + append-only file fsynced every second. */
        NORMAL,
        /** normal + append-only file fsynced on every write. */
        HIGH
    }

    /** Reads and validates the section; every problem is recorded in the context's settings, nothing is thrown. */
    public static RedisSettings read(EngineContext context) {
        Settings settings = context.settings();
        Path binDir = absolutePath(settings, "bin_dir", "/usr/bin");
        Path dataDir = settings.requiredString("data_dir", "the absolute path of the Redis data directory")
                .transform(text -> text.isEmpty() ? Path.of("") : Path.of(text));
        if (!dataDir.toString().isEmpty() && !dataDir.isAbsolute()) {
            settings.problems().add(settings.keyPath("data_dir"), dataDir, "an absolute path");
        }
        int port = settings.integer("port", 6379, 1, 65535);
        String listenAddress = settings.string("listen_address", context.advertisedHost());
        String osUser = settings.string("os_user", "redis");
        Optional<String> password = settings.secret("password");
        password.filter(p -> p.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '\\'))
                .ifPresent(p -> settings.problems()
                        .add(
                                settings.keyPath(settings.has("password_file") ? "password_file" : "password"),
                                "(hidden)",
                                "a password without spaces, quotes or backslashes (it is written into redis.conf)"));
        Persistence persistence = persistence(settings);
        long maxmemory = maxmemory(settings);
        String policy = settings.string("maxmemory_policy", "noeviction").toLowerCase(Locale.ROOT);
        if (!MAXMEMORY_POLICIES.contains(policy)) {
            settings.problems()
                    .add(
                            settings.keyPath("maxmemory_policy"),
                            policy,
                            "one of Redis's policies: " + String.join(", ", MAXMEMORY_POLICIES));
            policy = "noeviction";
        }
        String logLevel = logLevel(settings);
        Duration connectTimeout = settings.duration(
                "connect_timeout", Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofMinutes(1));
        Duration startTimeout =
                settings.duration("start_timeout", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofHours(12));
        Duration stopTimeout =
                settings.duration("stop_timeout", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofHours(1));
        Duration dumpTimeout =
                settings.duration("dump_timeout", Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofHours(24));
        Optional<DumpSelector> rdb = rdb(settings);
        Topology topology = settings.choice("topology", Topology.class, Topology.STAR);
        rejectNotYetSupported(settings, "snapshot", "seeding a Redis node's volume from an EBS snapshot");
        return new RedisSettings(
                binDir,
                dataDir,
                port,
                listenAddress,
                osUser,
                password,
                persistence,
                maxmemory,
                policy,
                logLevel,
                connectTimeout,
                startTimeout,
                stopTimeout,
                dumpTimeout,
                rdb,
                topology);
    }

    /**
     * The book's {@code rdb}: {@code latest} or the exact name of an archived RDB dump, nothing looser (a name copied
     * with the object's compression suffix, {@code .rdb.zst}, is refused rather than guessed at).
     */
    private static Optional<DumpSelector> rdb(Settings settings) {
        return settings.optionalString("rdb").flatMap(text -> {
            String allowed =
                    "latest, or the exact name of an archived RDB dump: " + DumpName.FORM + " (user data \"rdb\")";
            try {
                DumpSelector selector = DumpSelector.parse(text);
                if (selector instanceof DumpSelector.Named named
                        && !named.name().format().equals(RDB_FORMAT)) {
                    settings.problems().add(settings.keyPath("rdb"), text, allowed);
                    return Optional.empty();
                }
                return Optional.of(selector);
            } catch (IllegalArgumentException e) {
                settings.problems().add(settings.keyPath("rdb"), text, allowed);
                return Optional.empty();
            }
        });
    }

    private static Path absolutePath(Settings settings, String key, String defaultValue) {
        Path path = settings.path(key, Path.of(defaultValue));
        if (!path.isAbsolute()) {
            settings.problems().add(settings.keyPath(key), path, "an absolute path");
            return Path.of(defaultValue);
        }
        return path;
    }

    /** YAML reads an unquoted {@code no} as false, so the level arrives as text or as a boolean. */
    private static Persistence persistence(Settings settings) {
        Optional<String> given = settings.optionalString("persistence");
        if (given.isEmpty()) {
            return Persistence.NORMAL;
        }
        String text = given.get().toLowerCase(Locale.ROOT);
        if (text.equals("false") || text.equals("off")) {
            return Persistence.NO;
        }
        for (Persistence level : Persistence.values()) {
            if (level.name().equalsIgnoreCase(text)) {
                return level;
            }
        }
        settings.problems().add(settings.keyPath("persistence"), given.get(), "one of no, low, normal, high");
        return Persistence.NORMAL;
    }

    /** {@code on} (the book's share of RAM), {@code off}, or an explicit size. */
    private static long maxmemory(Settings settings) {
        Optional<String> given = settings.optionalString("maxmemory");
        if (given.isEmpty()) {
            return 0;
        }
        String text = given.get().toLowerCase(Locale.ROOT);
        switch (text) {
            case "on", "true", "yes":
                return (long) (physicalMemoryBytes() * MAXMEMORY_SHARE_OF_RAM);
            case "off", "false", "no":
                return 0;
            default:
                Long size = Settings.parseSize(text);
                if (size == null || size < 1024 * 1024) {
                    settings.problems()
                            .add(
                                    settings.keyPath("maxmemory"),
                                    given.get(),
                                    "on (60 % of this machine's memory), off, or a size of at least 1MB (e.g. 2GB)");
                    return 0;
                }
                return size;
        }
    }

    /** The book's levels are warning (default), error and info; Redis has no "error", so it logs warnings then. */
    private static String logLevel(Settings settings) {
        String given = settings.string("logging", "warning").toLowerCase(Locale.ROOT);
        return switch (given) {
            case "warning", "error" -> "warning";
            case "info", "notice" -> "notice";
            case "verbose", "debug" -> given;
            default -> {
                settings.problems()
                        .add(settings.keyPath("logging"), given, "one of warning, error, info, verbose, debug");
                yield "warning";
            }
        };
    }

    private static void rejectNotYetSupported(Settings settings, String key, String what) {
        settings.optionalString(key)
                .ifPresent(value -> settings.problems()
                        .add(settings.keyPath(key), value, "nothing: " + what + " is not built yet"));
    }

    static long physicalMemoryBytes() {
        return MachineMemory.totalBytes();
    }

    /** The host the agent connects to for the local server: a wildcard listen address is reached on loopback. */
    public String localConnectHost() {
        return Endpoint.localConnectHost(listenAddress);
    }

    public Path binary(String name) {
        return binDir.resolve(name);
    }

    @Override
    public String toString() {
        // Never print the password.
        return "RedisSettings[dataDir=" + dataDir + ", port=" + port + ", listenAddress=" + listenAddress
                + ", persistence=" + persistence + "]";
    }
}
