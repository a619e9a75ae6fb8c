package io.steward.it.search;

import static org.awaitility.Awaitility.await;

import io.steward.it.AgentProcess;
import io.steward.it.LocalCluster;
import io.steward.it.StewardCommand;
import io.steward.testing.FreePorts;
import io.steward.testing.ZooKeeperEnsemble;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * An OpenSearch 2.19 cluster on this machine, each node a process of its own ({@link OpenSearchNodeMain}), each with a
 * Steward agent process beside it, coordinated through a real ZooKeeper ensemble in this JVM. The agents stop their
 * node with SIGTERM to its process, as {@code systemctl stop} would.
 */
public final class SearchCluster implements AutoCloseable {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Stands for the cluster's shared snapshot folder (every node's {@code path.repo}) in extra YAML. */
    public static final String SNAPSHOT_DIR = "{snapshot-dir}";

    /**
     * @param nodes how many nodes (each cluster-manager eligible and a data node)
     * @param extraYaml appended to every agent's configuration after the {@code elasticsearch:} section (lines indented
     *        by two spaces add to it); {@value LocalCluster#NODE_DIR} stands for the node's own folder,
     *        {@value #SNAPSHOT_DIR} for the shared snapshot folder
     * @param environment added to every agent's environment (e.g. {@code STEWARD_AWS_ROUTE53_*})
     * @param userData the book's user data for every agent, when it is launched the book's way: the agent then has no
     *        {@code node.name} of its own (it takes its instance id) and is told its OpenSearch node's name
     */
    public record Options(int nodes, String extraYaml, Map<String, String> environment, Optional<String> userData) {
        public Options {
            environment = Map.copyOf(environment);
        }

        public static Options defaults() {
            return new Options(3, "", Map.of(), Optional.empty());
        }

        public Options withExtraYaml(String yaml) {
            return new Options(nodes, yaml, environment, userData);
        }

        public Options withEnvironment(Map<String, String> variables) {
            return new Options(nodes, extraYaml, variables, userData);
        }

        public Options withUserData(String json) {
            return new Options(nodes, extraYaml, environment, Optional.of(json));
        }
    }

    private final Path root;
    private final ZooKeeperEnsemble zookeeper;
    private final String clusterName = "it-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<Node> nodes = new ArrayList<>();

    private SearchCluster(Path root, ZooKeeperEnsemble zookeeper) {
        this.root = root;
        this.zookeeper = zookeeper;
    }

    /** Starts every node, waits until they form one cluster, then starts the agents and waits until each is healthy. */
    public static SearchCluster start(Options options) throws Exception {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "steward-search-");
        SearchCluster cluster = new SearchCluster(root, ZooKeeperEnsemble.start(root.resolve("zookeeper")));
        try {
            Path repo = Files.createDirectories(root.resolve("snapshots"));
            List<String> names = new ArrayList<>();
            List<Integer> transportPorts = new ArrayList<>();
            for (int i = 1; i <= options.nodes(); i++) {
                names.add("os" + i);
                transportPorts.add(FreePorts.next());
            }
            String seeds = transportPorts.stream().map(String::valueOf).collect(Collectors.joining(","));
            for (int i = 0; i < options.nodes(); i++) {
                cluster.nodes.add(cluster.newNode(
                        names.get(i), transportPorts.get(i), seeds, String.join(",", names), repo, options));
            }
            for (Node node : cluster.nodes) {
                node.startServer();
            }
            for (Node node : cluster.nodes) {
                node.awaitServerInCluster(options.nodes());
            }
            for (Node node : cluster.nodes) {
                node.startAgent();
            }
            for (Node node : cluster.nodes) {
                node.awaitHealthy();
            }
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private Node newNode(String name, int transportPort, String seeds, String initialNodes, Path repo, Options options)
            throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        int httpPort = FreePorts.next();
        int adminPort = FreePorts.next();
        Path home = dir.resolve("opensearch");
        List<String> serverArgs = List.of(
                home.toString(),
                clusterName,
                name,
                String.valueOf(httpPort),
                String.valueOf(transportPort),
                seeds,
                initialNodes,
                repo.toString());
        List<String> agentArguments = new ArrayList<>();
        if (options.userData().isPresent()) {
            Path userData = Files.writeString(
                    dir.resolve("user-data.json"), options.userData().get());
            agentArguments.addAll(List.of("--user-data", userData.toString()));
        }
        List<String> lines = new ArrayList<>(List.of(
                "cluster: " + clusterName,
                "engine: elasticsearch",
                "node:",
                options.userData().isPresent() ? "" : "  name: " + name,
                "  host: 127.0.0.1",
                "  dns_name: " + name + ".nodes.it",
                "  instance_id: " + instanceId(name),
                "  state_dir: " + dir.resolve("state")));
        lines.addAll(
                LocalCluster.sharedSections(zookeeper.connectString(), ZooKeeperEnsemble.TEST_TICK_MILLIS, adminPort));
        lines.addAll(List.of(
                "elasticsearch:",
                "  url: http://127.0.0.1:" + httpPort,
                "  node_name: " + name,
                "  request_timeout: 5s",
                // what systemctl stop does: SIGTERM to the node's process
                "  stop_command: kill -TERM $(cat " + home.resolve("node.pid") + ")",
                options.extraYaml()
                        .replace(LocalCluster.NODE_DIR, dir.toString())
                        .replace(SNAPSHOT_DIR, repo.toString()),
                ""));
        String yaml = String.join("\n", lines);
        Path config = dir.resolve("steward.yml");
        Files.writeString(config, yaml);
        return new Node(
                name, dir, home, config, httpPort, adminPort, serverArgs, options.environment(), agentArguments, repo);
    }

    /** A fixed, valid EC2 instance id per node name: the set identifier of its weighted record entry. */
    public static String instanceId(String nodeName) {
        return "i-0000000000" + String.format("%07x", Math.abs(nodeName.hashCode()) % 0xfffffff);
    }

    public String name() {
        return clusterName;
    }

    public ZooKeeperEnsemble zookeeper() {
        return zookeeper;
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    public Node node(String name) {
        return nodes.stream().filter(n -> n.name.equals(name)).findFirst().orElseThrow();
    }

    /** The node the cluster elected its master, as a running node sees it. */
    public Node electedMaster() {
        for (Node node : nodes) {
            if (node.serverRunning()) {
                try {
                    String answer = node.search("GET", "/_cat/cluster_manager?h=node", null)
                            .body()
                            .strip();
                    return node(answer);
                } catch (IOException e) {
                    // ask the next node
                }
            }
        }
        throw new IllegalStateException("no running node names a cluster manager");
    }

    @Override
    public void close() throws Exception {
        for (Node node : nodes) {
            node.killAgent();
        }
        for (Node node : nodes) {
            node.killServer();
        }
        zookeeper.close();
        Path kept = Files.createDirectories(Path.of("target", "it-logs", clusterName));
        for (Node node : nodes) {
            for (Path log : List.of(node.agentLog(), node.serverLog())) {
                if (Files.exists(log)) {
                    Files.copy(log, kept.resolve(node.name + "-" + log.getFileName()));
                }
            }
        }
        LocalCluster.deleteRecursively(root);
    }

    /** One OpenSearch node and the agent beside it. */
    public static final class Node {
        private final String name;
        private final Path dir;
        private final Path home;
        private final Path config;
        private final int httpPort;
        private final List<String> serverArgs;
        private final Path repo;
        private final AgentProcess agent;
        private Process server;

        Node(
                String name,
                Path dir,
                Path home,
                Path config,
                int httpPort,
                int adminPort,
                List<String> serverArgs,
                Map<String, String> environment,
                List<String> agentArguments,
                Path repo) {
            this.name = name;
            this.dir = dir;
            this.home = home;
            this.config = config;
            this.httpPort = httpPort;
            this.serverArgs = serverArgs;
            this.repo = repo;
            this.agent = new AgentProcess(
                    name,
                    StewardCommand.fromClassPath(),
                    config,
                    dir.resolve("agent.log"),
                    environment,
                    agentArguments,
                    adminPort);
        }

        public String name() {
            return name;
        }

        public Path dir() {
            return dir;
        }

        /** The shared folder of the cluster's fs snapshot repository (every node's {@code path.repo}). */
        public Path snapshotFolder() {
            return repo;
        }

        public int httpPort() {
            return httpPort;
        }

        public Path agentLog() {
            return agent.log();
        }

        public Path serverLog() {
            return dir.resolve("opensearch.log");
        }

        public Path config() {
            return config;
        }

        public String apiUrl() {
            return agent.apiUrl();
        }

        public synchronized void startServer() throws IOException {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xms256m",
                    "-Xmx256m",
                    "-XX:+UseSerialGC",
                    "-cp",
                    System.getProperty("java.class.path"),
                    OpenSearchNodeMain.class.getName()));
            command.addAll(serverArgs);
            server = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(serverLog().toFile()))
                    .start();
        }

        /** Waits until this node answers and sees a cluster of {@code size} nodes. */
        public void awaitServerInCluster(int size) {
            await(name + " in a cluster of " + size)
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions()
                    .until(() -> search("GET", "/_cluster/health?wait_for_nodes=" + size + "&timeout=1s", null)
                                    .statusCode()
                            == 200);
        }

        public synchronized boolean serverRunning() {
            return server != null && server.isAlive();
        }

        /** SIGKILL to the node's process: the node is lost without a word. */
        public synchronized void killServer() throws InterruptedException {
            if (server != null && server.isAlive()) {
                server.destroyForcibly();
                server.waitFor(60, TimeUnit.SECONDS);
            }
        }

        /** Waits until the node's process has exited (after its agent stopped it). */
        public void awaitServerStopped(Duration atMost) throws InterruptedException {
            Process process;
            synchronized (this) {
                process = server;
            }
            if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + "'s OpenSearch did not stop within " + atMost);
            }
        }

        public void startAgent() throws IOException {
            agent.start();
        }

        public boolean agentRunning() {
            return agent.running();
        }

        public void killAgent() throws InterruptedException {
            agent.kill();
        }

        /** SIGTERM: the agent stops gracefully (drains and stops its node). */
        public int stopAgent(Duration atMost) throws InterruptedException {
            return agent.stop(atMost);
        }

        public void awaitHealthy() {
            await(name + "'s agent healthy")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> get("/health").map(r -> r.statusCode() == 200).orElse(false));
        }

        /** A call to the agent's admin API; empty when it does not answer. */
        public Optional<HttpResponse<String>> get(String path) {
            return agent.get(path, Duration.ofSeconds(5));
        }

        public HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
            return agent.post(path, body, Optional.of(LocalCluster.TOKEN), Duration.ofSeconds(120));
        }

        /** A REST call to this OpenSearch node; {@code body} may be null. */
        public HttpResponse<String> search(String method, String path, String body) throws IOException {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .build();
            try {
                return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
