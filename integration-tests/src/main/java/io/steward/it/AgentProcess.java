package io.steward.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The agent beside a test node, whatever its database: the process a test starts, kills, pauses and stops, and the
 * admin API it answers on 127.0.0.1. The node fixtures ({@link LocalCluster.Node}, the search cluster's node) hand
 * their agent calls to one of these.
 */
public final class AgentProcess {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final StewardCommand steward;
    private final Path config;
    private final Path log;
    private final Map<String, String> environment;
    private final List<String> arguments;
    private final int adminPort;
    private Process process;

    public AgentProcess(
            String name,
            StewardCommand steward,
            Path config,
            Path log,
            Map<String, String> environment,
            List<String> arguments,
            int adminPort) {
        this.name = name;
        this.steward = steward;
        this.config = config;
        this.log = log;
        this.environment = Map.copyOf(environment);
        this.arguments = List.copyOf(arguments);
        this.adminPort = adminPort;
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + adminPort;
    }

    public int adminPort() {
        return adminPort;
    }

    public Path log() {
        return log;
    }

    public synchronized void start() throws IOException {
        process = LocalCluster.startAgentProcess(steward, config, log, environment, arguments);
    }

    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /** The agent's exit code once it has ended (e.g. refusing its configuration); empty while it runs. */
    public synchronized OptionalInt exitCode() {
        return process != null && !process.isAlive() ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
    }

    public synchronized long pid() {
        return process.pid();
    }

    /** SIGKILL: the agent gets no chance to do anything. */
    public synchronized void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}, ...) to the agent's process. */
    public synchronized void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .inheritIO()
                .start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("could not send SIG" + signal + " to " + name + "'s agent");
        }
    }

    /** SIGTERM, then waits: the agent stops gracefully (a primary hands over, a search node drains). */
    public synchronized int stop(Duration atMost) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + "'s agent did not stop within " + atMost);
        }
        return process.exitValue();
    }

    /** A GET to the admin API; empty when it does not answer within {@code timeout}. */
    public Optional<HttpResponse<String>> get(String path, Duration timeout) {
        try {
            return Optional.of(HTTP.send(
                    HttpRequest.newBuilder(URI.create(apiUrl() + path))
                            .timeout(timeout)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** A JSON POST to the admin API, with the bearer {@code token} when there is one. */
    public HttpResponse<String> post(String path, String body, Optional<String> token, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apiUrl() + path))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public String toString() {
        return name + "'s agent";
    }
}
