package io.steward.it;

import static org.awaitility.Awaitility.await;

import io.steward.testing.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Patroni 3.0.2 (Debian's, with kazoo) running three PostgreSQL 15 nodes on a given ZooKeeper ensemble: the
 * benchmark's point of comparison. Only for {@link FailoverBenchmark}.
 */
final class PatroniCluster implements AutoCloseable {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Path root;
    private final List<Member> members = new ArrayList<>();

    /** Patroni's timing settings. */
    record Timing(int ttl, int loopWait, int retryTimeout) {
        static final Timing DEFAULTS = new Timing(30, 10, 10);
        static final Timing TIGHTEST = new Timing(20, 2, 5);
    }

    private PatroniCluster(Path root) {
        this.root = root;
    }

    static PatroniCluster start(String zookeeper, Timing timing) throws Exception {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "patroni-bench-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
        PatroniCluster cluster = new PatroniCluster(root);
        String scope = "bench-" + root.getFileName().toString().replaceAll("\\D", "");
        try {
            for (int i = 1; i <= 3; i++) {
                cluster.members.add(cluster.member("patroni" + i, scope, zookeeper, timing));
            }
            cluster.members.get(0).start();
            cluster.awaitLeader();
            cluster.members.get(1).start();
            cluster.members.get(2).start();
            cluster.awaitAllStreaming();
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private Member member(String name, String scope, String zookeeper, Timing timing)
            throws IOException, InterruptedException {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.createDirectories(dir.resolve("run"));
        int pgPort = FreePorts.next();
        int apiPort = FreePorts.next();
        String hosts = java.util.Arrays.stream(zookeeper.split(","))
                .map(h -> "'" + h + "'")
                .collect(Collectors.joining(", "));
        String yaml = String.join(
                "\n",
                "scope: " + scope,
                "name: " + name,
                "restapi: {listen: '127.0.0.1:" + apiPort + "', connect_address: '127.0.0.1:" + apiPort + "'}",
                "zookeeper: {hosts: [" + hosts + "]}",
                "bootstrap:",
                "  dcs:",
                "    ttl: " + timing.ttl(),
                "    loop_wait: " + timing.loopWait(),
                "    retry_timeout: " + timing.retryTimeout(),
                "    maximum_lag_on_failover: 1048576",
                "    postgresql:",
                "      use_pg_rewind: true",
                "      use_slots: true",
                "      parameters: {wal_log_hints: 'on', wal_keep_size: 256MB, max_wal_senders: 10, max_replication_slots: 10}",
                "  initdb: [{encoding: UTF8}]",
                "postgresql:",
                "  listen: '127.0.0.1:" + pgPort + "'",
                "  connect_address: '127.0.0.1:" + pgPort + "'",
                "  data_dir: " + dir.resolve("data"),
                "  bin_dir: " + LocalCluster.PG_BIN,
                "  pgpass: " + dir.resolve("pgpass"),
                "  authentication:",
                "    superuser: {username: postgres, password: " + LocalCluster.SUPERUSER_PASSWORD + "}",
                "    replication: {username: replicator, password: bench-replication}",
                "    rewind: {username: postgres, password: " + LocalCluster.SUPERUSER_PASSWORD + "}",
                "  parameters: {unix_socket_directories: '" + dir.resolve("run") + "', log_min_messages: warning}",
                "  pg_hba:",
                "    - local all all trust",
                "    - host replication replicator 127.0.0.1/32 scram-sha-256",
                "    - host all all 127.0.0.1/32 scram-sha-256",
                "");
        Path config = dir.resolve("patroni.yml");
        Files.writeString(config, yaml);
        new ProcessBuilder("chown", "-R", "postgres:postgres", dir.toString())
                .inheritIO()
                .start()
                .waitFor();
        return new Member(name, dir, config, pgPort, apiPort);
    }

    List<Member> members() {
        return List.copyOf(members);
    }

    Member awaitLeader() {
        return await("a Patroni leader")
                .atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> members.stream().filter(Member::isLeader).collect(Collectors.toList()), l -> l.size() == 1)
                .get(0);
    }

    void awaitAllStreaming() {
        await("every Patroni replica streaming")
                .atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> members.stream().filter(Member::isLeader).count() == 1
                        && members.stream().filter(m -> !m.isLeader()).allMatch(Member::isStreamingReplica));
    }

    @Override
    public void close() throws Exception {
        for (Member member : members) {
            member.kill();
        }
        for (Member member : members) {
            if (Postmaster.pid(member.dir.resolve("data")).isPresent()) {
                new ProcessBuilder(
                                "runuser",
                                "-u",
                                "postgres",
                                "--",
                                LocalCluster.PG_BIN.resolve("pg_ctl").toString(),
                                "stop",
                                "-D",
                                member.dir.resolve("data").toString(),
                                "-m",
                                "immediate")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start()
                        .waitFor(60, TimeUnit.SECONDS);
            }
        }
        Path kept = Files.createDirectories(
                Path.of("target", "it-logs", root.getFileName().toString()));
        for (Member member : members) {
            Path log = member.dir.resolve("patroni.log");
            if (Files.exists(log)) {
                Files.copy(log, kept.resolve(member.name + "-patroni.log"));
            }
        }
        new ProcessBuilder("rm", "-rf", root.toString()).inheritIO().start().waitFor();
    }

    /** One Patroni process and its PostgreSQL server. */
    static final class Member implements WriteTarget {
        private final String name;
        private final Path dir;
        private final Path config;
        private final int pgPort;
        private final int apiPort;
        private Process patroni;

        Member(String name, Path dir, Path config, int pgPort, int apiPort) {
            this.name = name;
            this.dir = dir;
            this.config = config;
            this.pgPort = pgPort;
            this.apiPort = apiPort;
        }

        void start() throws IOException {
            patroni = new ProcessBuilder("runuser", "-u", "postgres", "--", "patroni", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("patroni.log").toFile()))
                    .start();
        }

        /** SIGKILL to Patroni itself (runuser forwards nothing once killed, so find the python process). */
        void kill() throws IOException, InterruptedException {
            if (patroni == null) {
                return;
            }
            for (ProcessHandle child : patroni.descendants().collect(Collectors.toList())) {
                child.destroyForcibly();
            }
            patroni.destroyForcibly();
            patroni.waitFor(30, TimeUnit.SECONDS);
        }

        void killPostmaster() throws IOException, InterruptedException {
            Postmaster.kill(Postmaster.pid(dir.resolve("data")).orElseThrow());
        }

        boolean isLeader() {
            return status("/primary") == 200;
        }

        boolean isStreamingReplica() {
            return status("/replica") == 200;
        }

        private int status(String path) {
            try {
                return HTTP.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
                                        .timeout(Duration.ofSeconds(2))
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String jdbcUrl() {
            return "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
        }

        @Override
        public Properties connectionProperties() {
            Properties props = new Properties();
            props.setProperty("user", "postgres");
            props.setProperty("password", LocalCluster.SUPERUSER_PASSWORD);
            return props;
        }
    }
}
