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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: the tarball holds what an operator needs, every file root's, and its launcher starts an agent that
 * answers {@code /health} and stops gracefully on SIGTERM.
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
     * An Elasticsearch agent, since that engine needs no server of its own on this machine: pointed at a port where
     * nothing listens, it runs, joins ZooKeeper and answers that its node is down.
     */
    @Test
    void itsLauncherStartsAnAgentThatAnswersHealthAndStopsOnSigterm() throws Exception {
        Path home = Distribution.unpackTarball(dir);
        Map<String, String> environment = Map.of(
                "STEWARD_HOME",
                home.toString(),
                "STEWARD_JAVA",
                Path.of(System.getProperty("java.home"), "bin", "java").toString());

        Result version = Distribution.run(
                COMMAND_TIMEOUT,
                "env",
                "STEWARD_HOME=" + home,
                "STEWARD_JAVA=" + environment.get("STEWARD_JAVA"),
                home.resolve("bin/steward").toString(),
                "version");
        assertThat(version.exitCode()).as(version.output()).isZero();
        assertThat(version.output().strip())
                .as("the version in the packaged jar's manifest")
                .isEqualTo(home.getFileName().toString().substring("steward-".length()));
        // PostgreSQL's archive command starts at the plugin's own entry point, its jar first on the class path
        Result walPush = Distribution.run(
                COMMAND_TIMEOUT,
                "env",
                "STEWARD_HOME=" + home,
                "STEWARD_SOCAT=",
                "STEWARD_JAVA=" + environment.get("STEWARD_JAVA"),
                home.resolve("bin/steward").toString(),
                "wal-push",
                "--help");
        assertThat(walPush.exitCode()).as(walPush.output()).isZero();
        assertThat(walPush.output()).contains("archive_command = 'steward wal-push %p'");

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
            ProcessBuilder builder = new ProcessBuilder(
                            home.resolve("bin/steward").toString(), "run", "--config", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(environment);
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
                Result status = Distribution.run(
                        COMMAND_TIMEOUT,
                        "env",
                        "STEWARD_HOME=" + home,
                        "STEWARD_JAVA=" + environment.get("STEWARD_JAVA"),
                        home.resolve("bin/steward").toString(),
                        "status",
                        "--api",
                        "http://127.0.0.1:" + adminPort);
                assertThat(status.exitCode()).as(status.output()).isZero();
                assertThat(status.output()).contains("MEMBER", "ROLE", "STATE", "es-tarball");
            } finally {
                agent.destroy(); // SIGTERM, as systemd stops it
            }
            assertThat(agent.waitFor(60, TimeUnit.SECONDS))
                    .as("stopped within a minute: %s", Files.readString(log))
                    .isTrue();
            assertThat(agent.exitValue()).as(Files.readString(log)).isEqualTo(143);
            assertThat(Files.readString(log)).contains("agent stopped");
        }
    }

    private static HttpResponse<String> health(int port) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
