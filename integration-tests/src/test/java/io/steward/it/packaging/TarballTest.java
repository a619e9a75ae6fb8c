package io.steward.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.packaging.Distribution.Result;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: the tarball holds what an operator needs, every file root's, and its launcher starts an agent that
 * answers {@code /health} and stops gracefully on SIGTERM. Issue 18: wherever it is unpacked, the launcher finds its
 * jars by its own location, without {@code STEWARD_HOME}.
 */
class TarballTest {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(1);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    @Test
    void holdsTheLauncherTheJarsTheUnitAndTheExamplesAllRoots() throws Exception {
        Path tarball = Distribution.tarball();
        Result listing = Distribution.run(
                COMMAND_TIMEOUT,
                "tar",
                "--list",
                "--verbose",
                "--numeric-owner",
                "--gzip",
                "--file",
                tarball.toString());
        assertThat(listing.exitCode()).as(listing.output()).isZero();
        assertThat(listing.output().lines())
                .isNotEmpty()
                .allSatisfy(entry -> assertThat(entry).contains(" 0/0 "));

        Path home = Distribution.unpackTarball(dir);

        assertThat(home.resolve("bin/steward"))
                .isExecutable()
                .hasSameBinaryContentAs(Distribution.PACKAGING.resolve("bin/steward"));
        assertThat(home.resolve("ec2/bootstrap.sh")).isExecutable();
        assertThat(home.resolve("ec2/install-database.sh")).isExecutable();
        assertThat(home.resolve("conf/steward.yml"))
                .hasSameBinaryContentAs(Distribution.PACKAGING.resolve("conf/steward.yml"));
        assertThat(home.resolve("systemd/steward.service"))
                .hasSameBinaryContentAs(Distribution.SYSTEMD.resolve("steward.service"));
        assertThat(home.resolve("systemd/steward.service.d/elasticsearch.conf")).isRegularFile();
        assertThat(home.resolve("iam/steward-policy.json"))
                .hasSameBinaryContentAs(Distribution.PACKAGING.resolve("iam/steward-policy.json"));
        assertThat(home.resolve("packer/steward.pkr.hcl")).isRegularFile();
        assertThat(home.resolve("docs/install.md")).isRegularFile();
        assertThat(home.resolve("README.md")).isRegularFile();
        for (String example : List.of("config/postgresql.yml", "user-data/redis.json", "cloud-init/mongodb.yaml")) {
            assertThat(home.resolve("examples").resolve(example))
                    .hasSameBinaryContentAs(
                            Distribution.PACKAGING.resolve("examples").resolve(example));
        }
        assertThat(home.resolve("lib").toFile().list())
                .anyMatch(jar -> jar.startsWith("steward-agent-"))
                .anyMatch(jar -> jar.startsWith("steward-plugins-elasticsearch-"));
    }

    /**
     * Unpacked anywhere and run without {@code STEWARD_HOME}, from another working directory or through a chain of
     * relative symbolic links in other directories, the launcher finds the jars beside itself.
     */
    @Test
    void itsLauncherFindsItsJarsWithoutStewardHomeFromAnywhere() throws Exception {
        Path home = Distribution.unpackTarball(dir);
        String version = "steward " + home.getFileName().toString().substring("steward-".length());
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        // links/steward -> ../chain/steward -> ../<home>/bin/steward: each relative to the directory of its own link
        Path chain = Files.createDirectories(dir.resolve("chain"));
        Files.createSymbolicLink(
                chain.resolve("steward"), Path.of("..", home.getFileName().toString(), "bin", "steward"));
        Path links = Files.createDirectories(dir.resolve("links"));
        Path link = Files.createSymbolicLink(links.resolve("steward"), Path.of("..", "chain", "steward"));

        assertThat(launch(elsewhere, home.resolve("bin/steward").toString(), "--version"))
                .as("by its absolute path from another directory")
                .isEqualTo(version);
        assertThat(launch(dir, dir.relativize(home.resolve("bin/steward")).toString(), "--version"))
                .as("by a relative path")
                .isEqualTo(version);
        assertThat(launch(elsewhere, link.toString(), "--version"))
                .as("through the links")
                .isEqualTo(version);
        // as /bin/steward is /usr/bin/steward on Debian: a link reached through a linked directory, where the ".." of
        // the link's target is the real directory's parent, not the one the path names
        Path linkedDirectory = Files.createSymbolicLink(
                Files.createDirectories(dir.resolve("deeper")).resolve("links"), Path.of("..", "links"));
        assertThat(launch(elsewhere, linkedDirectory.resolve("steward").toString(), "--version"))
                .as("through a linked directory")
                .isEqualTo(version);
        assertThat(launch(elsewhere, "PATH=" + links + ":/usr/bin:/bin", "steward", "--version"))
                .as("found on PATH as a link")
                .isEqualTo(version);
        // PostgreSQL's archive command starts at the plugin's own entry point, its jar first on the class path
        assertThat(launch(elsewhere, "STEWARD_SOCAT=", link.toString(), "wal-push", "--help"))
                .contains("archive_command = 'steward wal-push %p'");
    }

    /**
     * An Elasticsearch agent, since that engine needs no server of its own on this machine: pointed at a port where
     * nothing listens, it runs, joins ZooKeeper and answers that its node is down.
     */
    @Test
    void itsLauncherStartsAnAgentThatAnswersHealthAndStopsOnSigterm() throws Exception {
        Path home = Distribution.unpackTarball(dir);
        Path launcher = home.resolve("bin/steward");

        try (ZooKeeperEnsemble zookeeper = ZooKeeperEnsemble.start(dir.resolve("zookeeper"))) {
            int adminPort = FreePorts.next();
            Path config = dir.resolve("steward.yml");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "cluster: tarball",
                            "engine: elasticsearch",
                            "node: {name: es-tarball, host: 127.0.0.1, state_dir: " + dir.resolve("state") + "}",
                            "zookeeper: {connect: '" + zookeeper.connectString()
                                    + "', digest_user: steward, digest_password: it-zookeeper-secret}",
                            "admin: {address: 127.0.0.1, port: " + adminPort + "}",
                            "aws: {imds: off}",
                            "elasticsearch: {url: 'http://127.0.0.1:" + FreePorts.next() + "', stop_command: 'true'}",
                            ""));
            Path log = dir.resolve("agent.log");
            ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "run", "--config", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().remove("STEWARD_HOME");
            builder.environment().put("STEWARD_JAVA", java());
            Process agent = builder.start();
            try {
                HttpResponse<String> health = await("the agent answers /health")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .ignoreExceptionsInstanceOf(IOException.class)
                        .failFast("the agent exited: see its log", () -> !agent.isAlive())
                        .until(
                                () -> health(adminPort),
                                response -> response.body().contains("es-tarball"));
                assertThat(health.statusCode())
                        .as("a node that does not answer is unhealthy: %s", health.body())
                        .isEqualTo(503);
                // the human table, from the launcher as an operator runs it, without a terminal
                assertThat(launch(dir, launcher.toString(), "status", "--api", "http://127.0.0.1:" + adminPort))
                        .contains("MEMBER", "ROLE", "STATE", "es-tarball");
            } finally {
                agent.destroy(); // SIGTERM, as systemd stops it
            }
            assertThat(agent.waitFor(60, TimeUnit.SECONDS))
                    .as("stopped within a minute: %s", Files.readString(log))
                    .isTrue();
            assertThat(agent.exitValue()).as(Files.readString(log)).isZero();
            assertThat(Files.readString(log)).contains("agent stopped");
        }
    }

    /**
     * Runs the launcher as an operator would, in {@code workingDirectory} and without {@code STEWARD_HOME}; {@code
     * command} may start with {@code NAME=value} settings for its environment. Returns what it printed, once it
     * succeeded.
     */
    private static String launch(Path workingDirectory, String... command) throws Exception {
        List<String> line = new ArrayList<>(
                List.of("env", "--chdir=" + workingDirectory, "--unset=STEWARD_HOME", "STEWARD_JAVA=" + java()));
        line.addAll(List.of(command));
        Result result = Distribution.run(COMMAND_TIMEOUT, line);
        assertThat(result.exitCode()).as("%s: %s", line, result.output()).isZero();
        return result.output().strip();
    }

    /** The Java runtime running these tests, for the launcher's {@code STEWARD_JAVA}. */
    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static HttpResponse<String> health(int port) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
