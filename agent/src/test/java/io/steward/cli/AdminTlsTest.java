package io.steward.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import io.steward.admin.AdminServer;
import io.steward.admin.DumpBackend;
import io.steward.admin.RecordingBackend;
import io.steward.admin.SnapshotBackend;
import io.steward.config.AdminConfig;
import io.steward.testing.TestKeyStores;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The admin API over HTTPS with a certificate from the operator's own CA, and the CLI trusting that CA. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@Tag("servers")
class AdminTlsTest {
    private static final String TOKEN = "tls-test-token-of-at-least-32-characters";

    @TempDir
    Path dir;

    private TestKeyStores.PemServer pem;
    private AdminServer server;

    @BeforeEach
    void start() throws Exception {
        pem = new TestKeyStores(dir).pemServerSignedBy("test-ca", "agent");
        server = new AdminServer(
                new AdminConfig(
                        "127.0.0.1",
                        0,
                        Optional.of(TOKEN),
                        Optional.of(new AdminConfig.Tls(pem.certificateChain(), pem.privateKey())),
                        AdminConfig.DEFAULT_REQUEST_TIMEOUT,
                        AdminConfig.DEFAULT_MAX_CONNECTIONS),
                new RecordingBackend(),
                SnapshotBackend.NOT_CONFIGURED,
                DumpBackend.NOT_CONFIGURED,
                Optional.empty(),
                new MetricRegistry());
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theApiAnswersOverTlsToClientsThatTrustTheCaAndNotOverPlainHttp() throws Exception {
        HttpClient trusting = HttpClient.newBuilder()
                .sslContext(AdminClient.trusting(pem.caCertificate()))
                .build();

        HttpResponse<String> health = trusting.send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + "/health"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.sslSession())
                .hasValueSatisfying(session -> assertThat(session.getProtocol()).startsWith("TLS"));
        assertThatThrownBy(() -> HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void theCliTrustsTheCaGivenWithCacertAndNothingElse() {
        String api = "--api=https://127.0.0.1:" + server.port();

        Run trusted = run("status", api, "--cacert", pem.caCertificate().toString());
        Run untrusted = run("status", api);

        assertThat(trusted.exitCode()).as(trusted.err()).isZero();
        assertThat(trusted.out()).contains("Cluster epoch 3");
        assertThat(untrusted.exitCode()).isEqualTo(StewardCli.EXIT_UNREACHABLE);
        assertThat(untrusted.err()).contains("cannot reach the agent at https://127.0.0.1:" + server.port());
        Run notACertificate = run("status", api, "--cacert", pem.privateKey().toString());
        assertThat(notACertificate.exitCode()).isEqualTo(2);
        assertThat(notACertificate.err()).contains("--cacert " + pem.privateKey());
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new StewardCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }
}
