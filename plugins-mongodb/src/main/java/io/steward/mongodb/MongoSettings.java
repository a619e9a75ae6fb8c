package io.steward.mongodb;

import io.steward.engine.EngineContext;
import io.steward.settings.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code mongodb:} section.
 *
 * @param host where the local mongod answers (the agent connects to it directly, never through the set)
 * @param port its port
 * @param replicaSet the set's name, as the mongod was started with ({@code --replSet}); the book's user data "name"
 * @param role how this node is a member: a data member that may become primary, an arbiter (votes, holds no data)
 *        or a hidden data member (never primary, invisible to clients; for backups)
 * @param requestTimeout per command, and how long a server may take to be found
 * @param dataDir the mongod's dbPath: the volume a snapshot freezes
 * @param fsyncLockLimit the longest the fsync lock around a snapshot may be held before the watchdog lifts it
 * @param credentials user and password (SCRAM, admin database); empty for none
 */
public record MongoSettings(
        String host,
        int port,
        String replicaSet,
        MemberRole role,
        Duration requestTimeout,
        Path dataDir,
        Duration fsyncLockLimit,
        Optional<Credentials> credentials) {

    /** The book's {@code role} key, plus hidden members for backups. */
    public enum MemberRole {
        ACTIVE,
        ARBITER,
        HIDDEN
    }

    /** SCRAM credentials; the password is never printed. */
    public record Credentials(String username, String password) {
        @Override
        public String toString() {
            return "Credentials[username=" + username + "]";
        }
    }

    /** What MongoDB accepts as a set name: no dots, slashes or spaces. */
    private static final Pattern SET_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private static void refuse(Settings settings, String key, String why) {
        settings.optionalString(key).ifPresent(value -> settings.problems().add(settings.keyPath(key), value, why));
    }

    /** Reads and validates the section; every problem is recorded in the context's settings, nothing is thrown. */
    public static MongoSettings read(EngineContext context) {
        Settings settings = context.settings();
        String host = settings.string("host", "127.0.0.1");
        int port = settings.integer("port", 27017, 1, 65535);
        String replicaSet = settings.requiredString(
                "replica_set",
                "the replica set's name as mongod was started with it (--replSet), e.g. rs0 (user data \"name\")");
        if (!replicaSet.isEmpty() && !SET_NAME.matcher(replicaSet).matches()) {
            settings.problems()
                    .add(
                            settings.keyPath("replica_set"),
                            replicaSet,
                            "1 to 64 letters, digits, '_' or '-' (MongoDB refuses dots, slashes and spaces in set names)");
        }
        MemberRole role = settings.choice("role", MemberRole.class, MemberRole.ACTIVE);
        Duration requestTimeout = settings.duration(
                "request_timeout", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(5));
        Path dataDir = settings.path("data_dir", Path.of("/var/lib/mongodb"));
        if (!dataDir.isAbsolute()) {
            settings.problems().add(settings.keyPath("data_dir"), dataDir, "an absolute path (mongod's dbPath)");
        }
        Duration fsyncLockLimit = settings.duration(
                "fsync_lock_limit", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofHours(1));
        Optional<String> username = settings.optionalString("username");
        Optional<String> password = settings.optionalString("password");
        if (username.isPresent() != password.isPresent()) {
            String missing = username.isPresent() ? "password" : "username";
            settings.problems()
                    .add(
                            settings.keyPath(missing),
                            null,
                            "set together with " + (username.isPresent() ? "username" : "password")
                                    + " (SCRAM authentication)");
        }
        Optional<Credentials> credentials =
                username.flatMap(user -> password.map(secret -> new Credentials(user, secret)));
        refuse(
                settings,
                "size",
                "nothing: Steward does not create the data volume; give it its size where the "
                        + "instance is launched (user data \"size\" in the book)");
        refuse(
                settings,
                "source",
                "nothing: a new member is filled by MongoDB's initial sync from the set; seeding it "
                        + "from an EBS snapshot is not built yet (user data \"source\" in the book)");
        return new MongoSettings(host, port, replicaSet, role, requestTimeout, dataDir, fsyncLockLimit, credentials);
    }
}
