package io.steward.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A subcommand that sends one request to a running agent's admin API, and turns the outcome into the CLI's exit
 * codes: {@link StewardCli#EXIT_OK}, {@link StewardCli#EXIT_REFUSED} or {@link StewardCli#EXIT_UNREACHABLE}.
 */
abstract class ApiCommand implements Callable<Integer> {
    /**
     * Ignores fields it does not know, so that an older CLI still reads a newer agent's answers.
     */
    static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    @Spec
    CommandSpec spec;

    @Option(
            names = "--api",
            paramLabel = "URL",
            defaultValue = "http://127.0.0.1:8008",
            description = "The agent's admin API (default: ${DEFAULT-VALUE}).")
    URI api;

    /** Declared only to refuse it with the reason, rather than as an unknown option. */
    @Option(names = "--token", paramLabel = "TOKEN", hidden = true)
    String tokenOnTheCommandLine;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "A file holding the bearer token for requests that change something, readable by its owner "
                    + "alone (default: the STEWARD_ADMIN_TOKEN environment variable, else admin.token_file of the "
                    + "configuration file when this user can read it).")
    Path tokenFile;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            defaultValue = "/etc/steward/steward.yml",
            description = "The agent's configuration file, read only for admin.token_file (default: ${DEFAULT-VALUE}).")
    Path configFile;

    @Option(
            names = "--cacert",
            paramLabel = "FILE",
            description = "PEM certificates of the CA that signed the agent's admin.tls certificate, trusted for an "
                    + "https:// --api instead of the JDK's public CAs.")
    Path caCertificates;

    /** Sends the request. */
    abstract AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable, IOException;

    /**
     * Ends the command before (or instead of) its request, e.g. an operator who did not confirm: {@code message} goes
     * to standard error unless the code is {@link StewardCli#EXIT_OK}, when it goes to standard output.
     */
    static final class Stop extends RuntimeException {
        final int exitCode;

        Stop(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    /** Prints a successful answer; by default the agent's message. */
    void printSuccess(AdminClient.Response response, PrintWriter out) throws IOException, Unsatisfied {
        JsonNode message = JSON.readTree(response.body()).path("message");
        out.println(message.isTextual() ? message.textValue() : response.body());
    }

    /**
     * What was asked for is not in the agent's answer (no primary to connect to, no member of that name): the command
     * fails with {@link StewardCli#EXIT_REFUSED} and this message.
     */
    static final class Unsatisfied extends Exception {
        Unsatisfied(String message) {
            super(message);
        }
    }

    @Override
    public final Integer call() throws IOException {
        if (!"http".equalsIgnoreCase(api.getScheme()) && !"https".equalsIgnoreCase(api.getScheme())
                || api.getHost() == null) {
            throw new ParameterException(
                    spec.commandLine(), "--api must be an http:// or https:// URL with a host, was '" + api + "'");
        }
        if (tokenOnTheCommandLine != null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--token is refused: a token on the command line shows "
                            + "in ps and /proc/PID/cmdline to every user of this machine; use --token-file FILE (readable by "
                            + "you alone) or the " + AdminTokenSource.ENVIRONMENT_VARIABLE + " environment variable");
        }
        AdminClient client;
        try {
            Optional<String> token = AdminTokenSource.find(Optional.ofNullable(tokenFile), System.getenv(), configFile);
            client = new AdminClient(
                    api, token, Optional.ofNullable(caCertificates).map(AdminClient::trusting), JSON);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return run(client, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** Talks to the agent; by default one {@link #exchange}. Returns the exit code. */
    int run(AdminClient client, PrintWriter out, PrintWriter err) throws IOException {
        return exchange(client, out, err);
    }

    /** Sends the request and prints the answer, or what went wrong. Returns the exit code. */
    final int exchange(AdminClient client, PrintWriter out, PrintWriter err) throws IOException {
        AdminClient.Response response;
        try {
            response = send(client);
        } catch (AdminClient.AgentUnreachable e) {
            err.println(e.getMessage());
            err.flush();
            return StewardCli.EXIT_UNREACHABLE;
        } catch (Stop stop) {
            (stop.exitCode == StewardCli.EXIT_OK ? out : err).println(stop.getMessage());
            return stop.exitCode;
        }
        if (!response.successful()) {
            err.println("the agent refused (HTTP " + response.status() + "): " + client.errorMessage(response));
            err.flush();
            return StewardCli.EXIT_REFUSED;
        }
        try {
            printSuccess(response, out);
        } catch (Unsatisfied e) {
            err.println(e.getMessage());
            err.flush();
            return StewardCli.EXIT_REFUSED;
        } finally {
            // picocli's writer flushes on println only: a table printed with print would otherwise never appear
            out.flush();
        }
        return StewardCli.EXIT_OK;
    }
}
