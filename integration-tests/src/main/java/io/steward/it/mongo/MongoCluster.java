package io.steward.it.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.steward.it.LocalCluster;
import io.steward.testing.FreePorts;
import io.steward.testing.ZooKeeperEnsemble;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bson.Document;

/**
 * Steward agents (each a process of its own) on the members of a {@link MongoReplicaSet}, coordinated through a real
 * ZooKeeper ensemble in this JVM. Members start empty and un-initiated: creating the set is the agents' job.
 */
public final class MongoCluster implements AutoCloseable {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path root;
    private final ZooKeeperEnsemble zookeeper;
    private final MongoReplicaSet set;
    private final List<Agent> agents = new ArrayList<>();

    /** One agent and the member it runs beside. */
    public record Agent(
            String name, MongoReplicaSetMember member, int adminPort, Path config, Path log, Process process) {
        /** The HTTP status of a GET on its admin API, -1 when it does not answer. */
        public int status(String path) {
            return get(path).map(HttpResponse::statusCode).orElse(-1);
        }

        public Optional<HttpResponse<String>> get(String path) {
            return MongoCluster.get(adminPort, path);
        }

        /** A POST with the test clusters' admin token. */
        public HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                            .timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + LocalCluster.TOKEN)
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    /** A GET on the admin API of the agent at {@code adminPort}; empty when it does not answer. */
    public static Optional<HttpResponse<String>> get(int adminPort, String path) {
        try {
            return Optional.of(HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private MongoCluster(Path root, ZooKeeperEnsemble zookeeper, MongoReplicaSet set) {
        this.root = root;
        this.zookeeper = zookeeper;
        this.set = set;
    }

    /** A ZooKeeper ensemble and a replica set without members yet; {@link #startAgent} adds both sides. */
    public static MongoCluster start() throws Exception {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "steward-mongo-");
        return new MongoCluster(root, ZooKeeperEnsemble.start(root.resolve("zookeeper")), MongoReplicaSet.start(0));
    }

    public MongoReplicaSet set() {
        return set;
    }

    public List<Agent> agents() {
        return List.copyOf(agents);
    }

    public Agent agent(String name) {
        return agents.stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
    }

    /** A new member and an agent beside it, as {@code role}, with these extra variables in the agent's environment. */
    public Agent startAgent(String name, String role, Map<String, String> environment) throws IOException {
        return startAgent(name, role, environment, "");
    }

    /** @param extraYaml top-level sections added to the agent's configuration (storage, backup...) */
    public Agent startAgent(String name, String role, Map<String, String> environment, String extraYaml)
            throws IOException {
        MongoReplicaSetMember member = set.addMember();
        AgentConfig config = writeConfig(name, member.port(), member.replSetName(), role, "", extraYaml);
        Path log = config.file().resolveSibling("agent.log");
        Agent agent = new Agent(
                name,
                member,
                config.adminPort(),
                config.file(),
                log,
                LocalCluster.startAgentProcess(config.file(), log, environment, List.of()));
        agents.add(agent);
        return agent;
    }

    /**
     * The configuration an agent beside a member on {@code port} would get, with {@code extraMongodbLines} added to
     * its {@code mongodb:} section (each indented by two spaces); nothing is started.
     */
    public AgentConfig writeConfig(String name, int port, String replicaSet, String role, String extraMongodbLines)
            throws IOException {
        return writeConfig(name, port, replicaSet, role, extraMongodbLines, "");
    }

    private AgentConfig writeConfig(
            String name, int port, String replicaSet, String role, String extraMongodbLines, String extraYaml)
            throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        int adminPort = FreePorts.next();
        List<String> lines = new ArrayList<>(List.of(
                "cluster: " + root.getFileName().toString(),
                "engine: mongodb",
                "node:",
                "  name: " + name,
                "  host: 127.0.0.1",
                "  dns_name: " + name + ".nodes.it",
                "  state_dir: " + dir.resolve("state")));
        lines.addAll(
                LocalCluster.sharedSections(zookeeper.connectString(), ZooKeeperEnsemble.TEST_TICK_MILLIS, adminPort));
        lines.addAll(List.of(
                "mongodb:",
                "  port: " + port,
                "  replica_set: " + replicaSet,
                "  role: " + role,
                "  request_timeout: 5s",
                "  data_dir: " + dataDir(name),
                extraMongodbLines,
                extraYaml,
                ""));
        return new AgentConfig(Files.writeString(dir.resolve("steward.yml"), String.join("\n", lines)), adminPort);
    }

    /** The {@code mongodb.data_dir} the agent named {@code name} is given (created by nobody). */
    public Path dataDir(String name) {
        return root.resolve(name).resolve("data");
    }

    /** An agent's configuration file and the admin port it names. */
    public record AgentConfig(Path file, int adminPort) {}

    /** The set's configuration as its current primary has it. */
    public Document config() {
        MongoReplicaSetMember primary = set.primary().orElseThrow(() -> new IllegalStateException("no primary"));
        try (MongoClient client = MongoClients.create(primary.directConnectionString())) {
            return client.getDatabase("admin")
                    .runCommand(new Document("replSetGetConfig", 1))
                    .get("config", Document.class);
        }
    }

    /** The {@code host}s the primary's configuration names. */
    public List<String> configHosts() {
        return config().getList("members", Document.class).stream()
                .map(m -> m.getString("host"))
                .toList();
    }

    @Override
    public void close() throws Exception {
        for (Agent agent : agents) {
            agent.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        set.close();
        zookeeper.close();
        Path kept = Files.createDirectories(
                Path.of("target", "it-logs", root.getFileName().toString()));
        for (Agent agent : agents) {
            if (Files.exists(agent.log())) {
                Files.copy(agent.log(), kept.resolve(agent.name() + "-agent.log"));
            }
        }
        LocalCluster.deleteRecursively(root);
    }
}
