package io.steward.it;

import static org.awaitility.Awaitility.await;

import io.steward.testing.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Redis Sentinel 7.0 (Debian's {@code redis-sentinel}) watching three redis-servers on this machine: one primary, two
 * replicas, and three sentinels with quorum 2, each process with its own port and folder under a temporary one. The
 * servers run with Steward's default persistence (RDB and AOF fsynced every second) and the same password as Steward's
 * test clusters. The benchmark's point of comparison; only for {@link RedisFailoverBenchmark}.
 */
final class SentinelCluster implements AutoCloseable {
    static final String MASTER_NAME = "steward-bench";
    private static final int QUORUM = 2;
    private static final Duration SETTLE = Duration.ofSeconds(120);

    private final Path root;
    private final RedisAdmin admin;
    private final List<Server> servers = new ArrayList<>();
    private final List<Process> sentinels = new ArrayList<>();
    private final List<Integer> sentinelPorts = new ArrayList<>();

    /** One redis-server of the set, SIGKILLed and started again by the benchmark. */
    final class Server implements RedisTarget {
        private final String name;
        private final int port;
        private final Path dir;
        private Process process;

        private Server(String name, int port, Path dir) {
            this.name = name;
            this.port = port;
            this.dir = dir;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int databasePort() {
            return port;
        }

        /** Starts it with its own configuration, as a replica of {@code primary} when given (else as a primary). */
        synchronized void start(Optional<Server> primary) throws IOException {
            Path config = dir.resolve("redis.conf");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "port " + port,
                            "bind 127.0.0.1",
                            "dir " + dir,
                            "logfile " + dir.resolve("redis.log"),
                            "requirepass " + LocalCluster.SUPERUSER_PASSWORD,
                            "masterauth " + LocalCluster.SUPERUSER_PASSWORD,
                            "save 3600 1 300 100 60 10000",
                            "appendonly yes",
                            "appendfsync everysec",
                            ""));
            List<String> command = new ArrayList<>(List.of("redis-server", config.toString()));
            // on the command line, over whatever Sentinel's CONFIG REWRITE left in the file
            primary.ifPresent(p -> command.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(p.port))));
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        }

        /** SIGKILL, as the OOM killer would. */
        synchronized void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private SentinelCluster(Path root, RedisAdmin admin) {
        this.root = root;
        this.admin = admin;
    }

    /**
     * Starts the servers, waits until both replicas are in sync, then starts the sentinels and waits until they know
     * each other and both replicas.
     *
     * @param downAfterMillis Sentinel's {@code down-after-milliseconds}; empty for its default (30 s)
     */
    static SentinelCluster start(OptionalInt downAfterMillis, RedisAdmin admin) throws Exception {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "sentinel-bench-");
        SentinelCluster cluster = new SentinelCluster(root, admin);
        try {
            for (int i = 1; i <= 3; i++) {
                Path dir = Files.createDirectories(root.resolve("redis" + i));
                cluster.servers.add(cluster.new Server("redis" + i, FreePorts.next(), dir));
            }
            Server first = cluster.servers.get(0);
            first.start(Optional.empty());
            for (Server replica : cluster.servers.subList(1, 3)) {
                replica.start(Optional.of(first));
            }
            cluster.awaitReplicasFollow(first);
            for (int i = 1; i <= 3; i++) {
                cluster.startSentinel(Files.createDirectories(root.resolve("sentinel" + i)), first, downAfterMillis);
            }
            cluster.awaitWhole();
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private void startSentinel(Path dir, Server monitored, OptionalInt downAfterMillis) throws IOException {
        int port = FreePorts.next();
        List<String> lines = new ArrayList<>(List.of(
                "port " + port,
                "bind 127.0.0.1",
                "dir " + dir,
                "logfile " + dir.resolve("sentinel.log"),
                "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + monitored.port + " " + QUORUM,
                "sentinel auth-pass " + MASTER_NAME + " " + LocalCluster.SUPERUSER_PASSWORD));
        downAfterMillis.ifPresent(
                millis -> lines.add("sentinel down-after-milliseconds " + MASTER_NAME + " " + millis));
        lines.add("");
        // Sentinel rewrites its file with what it learns: each needs its own, writable
        Path config = dir.resolve("sentinel.conf");
        Files.writeString(config, String.join("\n", lines));
        sentinels.add(new ProcessBuilder("redis-sentinel", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start());
        sentinelPorts.add(port);
    }

    List<Server> servers() {
        return List.copyOf(servers);
    }

    /** The server every sentinel names as the primary, once it also says it is one. */
    Server awaitPrimary(Duration atMost) {
        return await("sentinels agreeing on a primary")
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(this::agreedPrimary, Optional::isPresent)
                .get();
    }

    private Optional<Server> agreedPrimary() {
        List<String> named = sentinelPorts.stream()
                .map(port -> admin.sentinelMaster(port, MASTER_NAME).get("port"))
                .distinct()
                .toList();
        if (named.size() != 1) {
            return Optional.empty();
        }
        Server primary = servers.stream()
                .filter(s -> Integer.toString(s.port).equals(named.get(0)))
                .findFirst()
                .orElseThrow();
        return "master".equals(admin.info(primary.port, "replication").get("role"))
                ? Optional.of(primary)
                : Optional.empty();
    }

    /**
     * As before any failover: one primary, both replicas following it, and every sentinel seeing the primary up, the
     * two other sentinels, and both replicas up with their link to the primary up.
     */
    void awaitWhole() {
        Server primary = awaitPrimary(SETTLE);
        awaitReplicasFollow(primary);
        await("sentinels seeing the whole set")
                .atMost(SETTLE)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> sentinelPorts.stream().allMatch(port -> {
                    Map<String, String> master = admin.sentinelMaster(port, MASTER_NAME);
                    List<Map<String, String>> replicas = admin.sentinelReplicas(port, MASTER_NAME);
                    return master.get("flags").equals("master")
                            && master.get("port").equals(Integer.toString(primary.port))
                            && master.get("num-other-sentinels").equals("2")
                            && replicas.size() == 2
                            && replicas.stream()
                                    .allMatch(r -> r.get("flags").equals("slave")
                                            && r.get("master-link-status").equals("ok"));
                }));
    }

    private void awaitReplicasFollow(Server primary) {
        await("replicas following " + primary)
                .atMost(SETTLE)
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> servers.stream().filter(s -> s != primary).allMatch(replica -> {
                    Map<String, String> info = admin.info(replica.port, "replication");
                    return info.get("master_port").equals(Integer.toString(primary.port))
                            && info.get("master_link_status").equals("up");
                }));
    }

    /**
     * After {@code killed} was SIGKILLed: once the sentinels name another primary, starts it again as that primary's
     * replica, as Sentinel would turn it into one once it sees it back (started as a primary, it would take writes
     * until then).
     */
    void restartAsReplica(Server killed) throws IOException {
        Server primary = await("sentinels naming a primary other than " + killed)
                .atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(this::agreedPrimary, p -> p.isPresent() && p.get() != killed)
                .get();
        killed.start(Optional.of(primary));
    }

    @Override
    public void close() throws Exception {
        for (Process sentinel : sentinels) {
            sentinel.destroyForcibly();
        }
        for (Server server : servers) {
            if (server.process != null) {
                server.kill();
            }
        }
        for (Process sentinel : sentinels) {
            sentinel.waitFor(30, TimeUnit.SECONDS);
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
