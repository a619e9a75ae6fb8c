package io.steward.it;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.steward.testing.FreePorts;
import io.steward.testing.TcpProxy;
import io.steward.testing.ZooKeeperEnsemble;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A database cluster on this machine: a real ZooKeeper ensemble (in this JVM), and per node a real database
 * server (PostgreSQL by default, or Redis) managed by a real Steward agent running as its own process, so that tests can SIGKILL it.
 */
public final class LocalCluster implements AutoCloseable {
    public static final String TOKEN = "it-admin-token-at-least-32-characters";
    public static final String SUPERUSER_PASSWORD = "it-superuser";
    /** The digest credentials every test agent's ZooKeeper session authenticates with: real ACLs, as in production. */
    public static final String ZOOKEEPER_USER = "steward-it";

    public static final String ZOOKEEPER_PASSWORD = "it-zookeeper-secret";
    public static final Path PG_BIN = Path.of("/usr/lib/postgresql/15/bin");
    public static final String NODE_DIR = "{node-dir}";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static Path tokenFile;

    /**
     * @param nodes how many members
     * @param synchronous synchronous mode on
     * @param zookeeperLinks how the agents and the ensemble's servers reach each other: what a test can cut
     * @param extraYaml appended to every agent's configuration, right after {@code postgresql.parameters} (so lines
     *        indented by four spaces add parameters); {@value #NODE_DIR} stands for the node's own folder
     * @param zookeeperTickMillis the ensemble's tick (session expiry is rounded up to it)
     * @param environment added to every agent's environment (e.g. {@code STEWARD_AWS_ROUTE53_*}, AWS credentials)
     * @param storage prepares each node's folder before its agent starts (e.g. mounts a volume for its data)
     * @param database the database every node runs
     * @param steward what starts the agents
     */
    public record Options(
            int nodes,
            boolean synchronous,
            ZooKeeperLinks zookeeperLinks,
            String extraYaml,
            int zookeeperTickMillis,
            Map<String, String> environment,
            NodeStorage storage,
            Database database,
            StewardCommand steward) {
        public Options {
            environment = Map.copyOf(environment);
        }

        public static Options defaults() {
            return new Options(
                    3,
                    false,
                    ZooKeeperLinks.DIRECT,
                    "",
                    ZooKeeperEnsemble.TEST_TICK_MILLIS,
                    Map.of(),
                    dir -> () -> {},
                    Database.POSTGRESQL,
                    StewardCommand.fromClassPath());
        }

        public Options synchronousMode() {
            return new Options(
                    nodes,
                    true,
                    zookeeperLinks,
                    extraYaml,
                    zookeeperTickMillis,
                    environment,
                    storage,
                    database,
                    steward);
        }

        public Options proxied() {
            return withZooKeeperLinks(ZooKeeperLinks.PROXIED);
        }

        /** See {@link ZooKeeperLinks#PARTITIONABLE}. */
        public Options partitionable() {
            return withZooKeeperLinks(ZooKeeperLinks.PARTITIONABLE);
        }

        /** See {@link ZooKeeperLinks#FIRST_NODE_PINNED}. */
        public Options firstNodePinnedToAFollower() {
            return withZooKeeperLinks(ZooKeeperLinks.FIRST_NODE_PINNED);
        }

        private Options withZooKeeperLinks(ZooKeeperLinks links) {
            return new Options(
                    nodes, synchronous, links, extraYaml, zookeeperTickMillis, environment, storage, database, steward);
        }

        /** ZooKeeper's default tick of 2 s, as production ensembles run: for benchmarks. */
        public Options productionZooKeeper() {
            return new Options(
                    nodes,
                    synchronous,
                    zookeeperLinks,
                    extraYaml,
                    ZooKeeperEnsemble.DEFAULT_TICK_MILLIS,
                    environment,
                    storage,
                    database,
                    steward);
        }

        public Options withExtraYaml(String yaml) {
            return new Options(
                    nodes,
                    synchronous,
                    zookeeperLinks,
                    yaml,
                    zookeeperTickMillis,
                    environment,
                    storage,
                    database,
                    steward);
        }

        public Options withNodes(int count) {
            return new Options(
                    count,
                    synchronous,
                    zookeeperLinks,
                    extraYaml,
                    zookeeperTickMillis,
                    environment,
                    storage,
                    database,
                    steward);
        }

        public Options withStorage(NodeStorage nodeStorage) {
            return new Options(
                    nodes,
                    synchronous,
                    zookeeperLinks,
                    extraYaml,
                    zookeeperTickMillis,
                    environment,
                    nodeStorage,
                    database,
                    steward);
        }

        public Options withDatabase(Database other) {
            return new Options(
                    nodes,
                    synchronous,
                    zookeeperLinks,
                    extraYaml,
                    zookeeperTickMillis,
                    environment,
                    storage,
                    other,
                    steward);
        }

        /** Agents started by an installed launcher instead of this JVM's class path. */
        public Options startedBy(StewardCommand command) {
            return new Options(
                    nodes,
                    synchronous,
                    zookeeperLinks,
                    extraYaml,
                    zookeeperTickMillis,
                    environment,
                    storage,
                    database,
                    command);
        }

        public Options withEnvironment(Map<String, String> variables) {
            return new Options(
                    nodes,
                    synchronous,
                    zookeeperLinks,
                    extraYaml,
                    zookeeperTickMillis,
                    variables,
                    storage,
                    database,
                    steward);
        }
    }

    /** How the agents and the ensemble's servers reach each other. */
    public enum ZooKeeperLinks {
        /** Every agent connects to every server directly. */
        DIRECT,
        /** Every agent reaches each server through a {@link TcpProxy} of its own: an agent can be cut off. */
        PROXIED,
        /** As {@link #PROXIED}, and the servers reach each other only through relays that can be cut. */
        PARTITIONABLE,
        /**
         * As {@link #PARTITIONABLE}, and the first node's agent (the first primary) talks to one follower only
         * ({@link #firstNodesServer()}), which can then be cut off from its leader while the agent still reaches it.
         */
        FIRST_NODE_PINNED
    }

    private final Path root;
    private final ZooKeeperEnsemble zookeeper;
    /** The only server the first node's agent talks to, with {@link ZooKeeperLinks#FIRST_NODE_PINNED}. */
    private OptionalInt firstNodesServer = OptionalInt.empty();

    private final Database database;
    private final String clusterName = "it-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Node> nodes = new ArrayList<>();
    private final List<AutoCloseable> storages = new ArrayList<>();

    /** What a node's folder needs before its agent starts; what it returns is closed once the servers are stopped. */
    @FunctionalInterface
    public interface NodeStorage {
        AutoCloseable prepare(Path nodeDir) throws Exception;
    }

    private LocalCluster(Path root, ZooKeeperEnsemble zookeeper, Database database) {
        this.database = database;
        this.root = root;
        this.zookeeper = zookeeper;
    }

    /** Starts the ensemble and one agent per node; returns once a primary takes writes and every replica streams. */
    public static LocalCluster start(Options options) throws Exception {
        LocalCluster cluster = prepare(options);
        try {
            // The first agent creates the cluster; the others clone it.
            cluster.nodes.get(0).startAgent();
            cluster.awaitPrimary();
            for (Node node : cluster.nodes.subList(1, cluster.nodes.size())) {
                node.startAgent();
            }
            cluster.awaitAllStreaming();
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * The ensemble running and every node's folder and configuration written, but no agent started: for tests of
     * agents that must not get as far as a primary.
     */
    public static LocalCluster prepare(Options options) throws Exception {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "steward-it-");
        // PostgreSQL runs as user postgres and must be able to reach its folders under here.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path zookeeperFolder = root.resolve("zookeeper");
        boolean partitionable = options.zookeeperLinks() == ZooKeeperLinks.PARTITIONABLE
                || options.zookeeperLinks() == ZooKeeperLinks.FIRST_NODE_PINNED;
        LocalCluster cluster = new LocalCluster(
                root,
                partitionable
                        ? ZooKeeperEnsemble.startPartitionable(zookeeperFolder, options.zookeeperTickMillis())
                        : ZooKeeperEnsemble.start(zookeeperFolder, options.zookeeperTickMillis()),
                options.database());
        try {
            if (options.zookeeperLinks() == ZooKeeperLinks.FIRST_NODE_PINNED) {
                int leader = cluster.zookeeper.awaitLeader(Duration.ofSeconds(30));
                cluster.firstNodesServer = OptionalInt.of((leader + 1) % ZooKeeperEnsemble.SERVERS);
            }
            for (int i = 1; i <= options.nodes(); i++) {
                Node node = cluster.newNode(options.database().nodePrefix() + i, options);
                cluster.nodes.add(node);
                cluster.storages.add(options.storage().prepare(node.dir));
            }
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private Node newNode(String name, Options options) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        int dbPort = FreePorts.next();
        int adminPort = FreePorts.next();
        // the servers this agent talks to, by index; through a proxy of its own for each, unless DIRECT
        Map<Integer, TcpProxy> proxies = new LinkedHashMap<>();
        List<Integer> servers = nodes.isEmpty() && firstNodesServer.isPresent()
                ? List.of(firstNodesServer.getAsInt())
                : java.util.stream.IntStream.range(0, ZooKeeperEnsemble.SERVERS)
                        .boxed()
                        .toList();
        List<String> via = new ArrayList<>();
        for (int server : servers) {
            String address = zookeeper.connectStringOf(server);
            if (options.zookeeperLinks() != ZooKeeperLinks.DIRECT) {
                String[] hostPort = address.split(":");
                TcpProxy proxy = new TcpProxy(
                        FreePorts.next(), new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])));
                proxies.put(server, proxy);
                address = "127.0.0.1:" + proxy.port();
            }
            via.add(address);
        }
        String connect = String.join(",", via);
        List<String> lines = new ArrayList<>(List.of(
                "cluster: " + clusterName,
                "engine: " + options.database().engine(),
                "node:",
                "  name: " + name,
                "  host: 127.0.0.1",
                "  dns_name: " + name + ".nodes.it",
                "  state_dir: " + dir.resolve("state"),
                "ha:",
                "  synchronous_mode: " + options.synchronous()));
        lines.addAll(sharedSections(connect, options.zookeeperTickMillis(), adminPort));
        lines.addAll(options.database().section(dir, dbPort));
        lines.add(options.extraYaml().replace(NODE_DIR, dir.toString()));
        lines.add("");
        String yaml = String.join("\n", lines);
        Path config = dir.resolve("steward.yml");
        Files.writeString(config, yaml);
        return new Node(
                name,
                dir,
                config,
                dbPort,
                adminPort,
                proxies,
                options.environment(),
                options.database(),
                options.steward());
    }

    /**
     * The sections every test agent's configuration shares: its ZooKeeper (with the ensemble's tick, which the lease's
     * length depends on, and digest credentials), its admin API with the test token, no IMDS.
     */
    public static List<String> sharedSections(String zookeeperConnect, int zookeeperTickMillis, int adminPort) {
        return List.of(
                "zookeeper:",
                "  connect: " + zookeeperConnect,
                "  session_timeout: 5s",
                "  tick_time: " + zookeeperTickMillis + "ms",
                "  digest_user: " + ZOOKEEPER_USER,
                "  digest_password: " + ZOOKEEPER_PASSWORD,
                "admin:",
                "  address: 127.0.0.1",
                "  port: " + adminPort,
                "  token: " + TOKEN,
                "aws:",
                "  imds: off");
    }

    /**
     * A file holding {@link #TOKEN}, readable by this user alone, for the CLI's {@code --token-file}: the CLI takes no
     * token on its command line.
     */
    public static synchronized Path tokenFile() throws IOException {
        if (tokenFile == null) {
            tokenFile = Files.createTempFile("steward-it-token-", "");
            Files.writeString(tokenFile, TOKEN + "\n");
            tokenFile.toFile().deleteOnExit();
        }
        return tokenFile;
    }

    public String name() {
        return clusterName;
    }

    public ZooKeeperEnsemble zookeeper() {
        return zookeeper;
    }

    /** The one ZooKeeper server the first node's agent talks to ({@link ZooKeeperLinks#FIRST_NODE_PINNED} only). */
    public int firstNodesServer() {
        return firstNodesServer.orElseThrow(
                () -> new IllegalStateException("the first node is not pinned to a server"));
    }

    public Database database() {
        return database;
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    public Node node(String name) {
        return nodes.stream().filter(n -> n.name.equals(name)).findFirst().orElseThrow();
    }

    /** Nodes whose agent says they are the writable primary of the current epoch, right now. */
    public List<Node> primaries() {
        return nodes.stream().filter(Node::isPrimary).collect(Collectors.toList());
    }

    public Node awaitPrimary() {
        return awaitPrimary(Duration.ofSeconds(90));
    }

    public Node awaitPrimary(Duration atMost) {
        return await("a primary taking writes")
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(100))
                .until(this::primaries, p -> p.size() == 1)
                .get(0);
    }

    /** Waits until one node other than {@code old} is primary. */
    public Node awaitNewPrimary(Node old) {
        return await("a new primary other than " + old.name())
                .atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(100))
                .until(this::primaries, p -> p.size() == 1 && p.get(0) != old)
                .get(0);
    }

    public void awaitAllStreaming() {
        await("every replica streaming")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    List<Node> primaries = primaries();
                    return primaries.size() == 1
                            && nodes.stream().filter(n -> n != primaries.get(0)).allMatch(Node::isStreamingReplica);
                });
    }

    @Override
    public void close() throws Exception {
        for (Node node : nodes) {
            node.killAgent();
        }
        for (Node node : nodes) {
            node.stopServer();
            node.proxies.values().forEach(TcpProxy::close);
        }
        for (AutoCloseable storage : storages) {
            storage.close();
        }
        zookeeper.close();
        keepAgentLogs();
        deleteRecursively(root);
    }

    /** Agents' logs outlive the cluster, under target/it-logs, for whoever reads a failed run. */
    private void keepAgentLogs() throws IOException {
        Path kept = Files.createDirectories(Path.of("target", "it-logs", clusterName));
        for (Node node : nodes) {
            for (Path log : List.of(
                    node.agentLog(),
                    node.database.serverLog(node.dir),
                    node.dir.resolve("state").resolve("fence-guard.log"))) {
                if (Files.exists(log)) {
                    Files.copy(log, kept.resolve(node.name + "-" + log.getFileName()));
                }
            }
        }
    }

    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * {@code steward run} as a process of its own, with this JVM's class path, its output appended to {@code log}.
     *
     * @param arguments given to {@code steward run} after {@code --config}, e.g. {@code --user-data FILE}
     */
    public static Process startAgentProcess(
            Path config, Path log, Map<String, String> environment, List<String> arguments) throws IOException {
        return startAgentProcess(StewardCommand.fromClassPath(), config, log, environment, arguments);
    }

    /** {@code steward run} as a process of its own, started by {@code steward}. */
    public static Process startAgentProcess(
            StewardCommand steward, Path config, Path log, Map<String, String> environment, List<String> arguments)
            throws IOException {
        List<String> command = new ArrayList<>(steward.prefix());
        command.addAll(List.of("run", "--config", config.toString()));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** How an agent that ended by itself ended: its exit code and everything it logged. */
    public record AgentExit(int exitCode, String output) {}

    /**
     * Runs an agent on {@code config} that must end by itself within a minute, as one refusing its configuration
     * does; its log goes beside the configuration file.
     */
    public static AgentExit runAgentUntilItExits(Path config) throws IOException, InterruptedException {
        Path log = config.resolveSibling("agent.log");
        Process agent = startAgentProcess(config, log, Map.of(), List.of());
        if (!agent.waitFor(60, TimeUnit.SECONDS)) {
            agent.destroyForcibly();
            throw new IllegalStateException(
                    "the agent on " + config + " still runs after a minute: " + Files.readString(log));
        }
        return new AgentExit(agent.exitValue(), Files.readString(log));
    }

    /** One member: its database server and the agent that runs it. */
    public static final class Node implements WriteTarget, RedisTarget {
        private final String name;
        private final Path dir;
        private final Path config;
        private final int dbPort;
        private final Database database;
        /** By the index of the ZooKeeper server each leads to. */
        private final Map<Integer, TcpProxy> proxies;

        private final AgentProcess agent;

        Node(
                String name,
                Path dir,
                Path config,
                int dbPort,
                int adminPort,
                Map<Integer, TcpProxy> proxies,
                Map<String, String> environment,
                Database database,
                StewardCommand steward) {
            this.database = database;
            this.name = name;
            this.dir = dir;
            this.config = config;
            this.dbPort = dbPort;
            this.proxies = proxies;
            this.agent = new AgentProcess(
                    name, steward, config, dir.resolve("agent.log"), environment, List.of(), adminPort);
        }

        @Override
        public String name() {
            return name;
        }

        public Path dataDir() {
            return dir.resolve("data");
        }

        public Path agentLog() {
            return agent.log();
        }

        public Path config() {
            return config;
        }

        public int adminPort() {
            return agent.adminPort();
        }

        public String apiUrl() {
            return agent.apiUrl();
        }

        public void startAgent() throws IOException {
            agent.start();
        }

        public boolean agentRunning() {
            return agent.running();
        }

        /** The agent's exit code once it has ended (e.g. refusing its configuration); empty while it runs. */
        public OptionalInt agentExitCode() {
            return agent.exitCode();
        }

        public long agentPid() {
            return agent.pid();
        }

        /** SIGKILL: the agent gets no chance to do anything. */
        public void killAgent() throws InterruptedException {
            agent.kill();
        }

        /** SIGSTOP: the agent freezes as a long pause (a stalled VM, swapping) would freeze it; its server runs on. */
        public void pauseAgent() throws IOException, InterruptedException {
            agent.signal("STOP");
        }

        /** SIGCONT after {@link #pauseAgent()}. */
        public void resumeAgent() throws IOException, InterruptedException {
            agent.signal("CONT");
        }

        /** SIGTERM: the agent stops gracefully (a primary hands over first). */
        public int stopAgent(Duration atMost) throws InterruptedException {
            return agent.stop(atMost);
        }

        /** Where the node's database server listens on 127.0.0.1. */
        @Override
        public int databasePort() {
            return dbPort;
        }

        /** The database server's main process, when it runs. */
        public Optional<Long> serverPid() throws IOException {
            return database.serverPid(dataDir());
        }

        /**
         * The whole node lost: SIGKILL to the agent, then to the server if it still runs (the fence guard may
         * have stopped it first, once the agent was gone).
         */
        public void killNode() throws IOException, InterruptedException {
            killAgent();
            Optional<Long> server = serverPid();
            if (server.isPresent()) {
                Postmaster.kill(server.get());
            }
        }

        /** SIGKILL to the database server, as the OOM killer would. */
        public void killServer() throws IOException, InterruptedException {
            Postmaster.kill(
                    serverPid().orElseThrow(() -> new IllegalStateException(name + " runs no database server")));
        }

        /** Stops the server whatever state it is in (cleanup). */
        public void stopServer() throws IOException, InterruptedException {
            database.stopServer(dataDir());
        }

        public void cutFromZooKeeper() {
            if (proxies.isEmpty()) {
                throw new IllegalStateException("cluster was not started with proxied ZooKeeper connections");
            }
            proxies.values().forEach(TcpProxy::blackhole);
        }

        public void reconnectToZooKeeper() {
            proxies.values().forEach(TcpProxy::pass);
        }

        /**
         * The ZooKeeper server (0-based, as the ensemble counts them) the agent talks to now, found by the one proxy
         * its connection goes through; empty while it has none, or more than one.
         */
        public OptionalInt zooKeeperServerInUse() {
            int[] inUse = proxies.entrySet().stream()
                    .filter(proxy -> proxy.getValue().openConnections() > 0)
                    .mapToInt(Map.Entry::getKey)
                    .toArray();
            return inUse.length == 1 ? OptionalInt.of(inUse[0]) : OptionalInt.empty();
        }

        @Override
        public String jdbcUrl() {
            return "jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres";
        }

        @Override
        public Properties connectionProperties() {
            Properties props = new Properties();
            props.setProperty("user", "postgres");
            props.setProperty("password", SUPERUSER_PASSWORD);
            props.setProperty("connectTimeout", "5");
            props.setProperty("socketTimeout", "30");
            return props;
        }

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl(), connectionProperties());
        }

        /** Runs {@code action} on a fresh authenticated connection to this node's Redis server. */
        public <T> T onRedis(Function<StatefulRedisConnection<String, String>, T> action) {
            RedisClient client = RedisClient.create(RedisURI.builder()
                    .withHost("127.0.0.1")
                    .withPort(dbPort)
                    .withPassword(SUPERUSER_PASSWORD.toCharArray())
                    .withTimeout(Duration.ofSeconds(10))
                    .build());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                return action.apply(connection);
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }

        public boolean isPrimary() {
            return get("/primary").map(r -> r.statusCode() == 200).orElse(false);
        }

        public boolean isStreamingReplica() {
            return get("/replica").map(r -> r.statusCode() == 200).orElse(false);
        }

        public Optional<HttpResponse<String>> get(String path) {
            return agent.get(path, Duration.ofSeconds(3));
        }

        public HttpResponse<String> post(String path, String body, Optional<String> token)
                throws IOException, InterruptedException {
            return agent.post(path, body, token, Duration.ofSeconds(10));
        }

        /** Runs a query on this node and returns the first column of the first row, as text. */
        public String queryOne(String sql) throws SQLException {
            try (Connection c = connect();
                    var rs = c.createStatement().executeQuery(sql)) {
                return rs.next() ? rs.getString(1) : null;
            }
        }

        public Map<String, String> describe() {
            return Map.of("name", name, "api", apiUrl(), "data", dataDir().toString());
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
