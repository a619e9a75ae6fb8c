package io.steward.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.steward.engine.EngineException;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS to a node whose certificate is signed by a private CA, as Elasticsearch 8 sets itself up: a real TLS server
 * (the JDK's) with a CA and node certificate made by {@code keytool}, the way an operator's {@code ca_file} is made.
 */
@Tag("servers")
class SearchRestTlsTest {
    private static final String PASSWORD = "steward-test";
    private static final String ROOT_ANSWER =
            "{\"name\":\"es1\",\"version\":{\"number\":\"8.15.0\"},\"tagline\":\"You Know, for Search\"}";

    @TempDir
    static Path dir;

    private static HttpsServer node;
    private static URI url;

    /** keytool is a JVM of its own per call: the certificates are made once for every test. */
    @BeforeAll
    static void startNodeWithACertificateOfAPrivateCa() throws Exception {
        keytool(
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "EC",
                "-dname",
                "CN=Steward Test CA",
                "-ext",
                "bc:c",
                "-validity",
                "2",
                "-keystore",
                "ca.p12");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "http_ca.crt");
        keytool(
                "-genkeypair",
                "-alias",
                "node",
                "-keyalg",
                "EC",
                "-dname",
                "CN=es1",
                "-validity",
                "2",
                "-keystore",
                "node.p12");
        keytool("-certreq", "-alias", "node", "-keystore", "node.p12", "-file", "node.csr");
        keytool(
                "-gencert",
                "-alias",
                "ca",
                "-keystore",
                "ca.p12",
                "-infile",
                "node.csr",
                "-outfile",
                "node.crt",
                "-rfc",
                "-ext",
                "san=ip:127.0.0.1",
                "-validity",
                "2");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-keystore", "node.p12", "-file", "http_ca.crt");
        keytool("-importcert", "-alias", "node", "-keystore", "node.p12", "-file", "node.crt");
        keytool(
                "-genkeypair",
                "-alias",
                "other",
                "-keyalg",
                "EC",
                "-dname",
                "CN=Another CA",
                "-ext",
                "bc:c",
                "-validity",
                "2",
                "-keystore",
                "other.p12");
        keytool("-exportcert", "-rfc", "-alias", "other", "-keystore", "other.p12", "-file", "other.crt");

        node = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        node.setHttpsConfigurator(new HttpsConfigurator(serverContext(dir.resolve("node.p12"))));
        node.createContext("/", exchange -> {
            byte[] body = ROOT_ANSWER.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        node.start();
        url = URI.create("https://127.0.0.1:" + node.getAddress().getPort());
    }

    @AfterAll
    static void stopNode() {
        node.stop(0);
    }

    @Test
    void aNodeSignedByTheCaInCaFileIsTrusted() {
        SearchRest rest = new SearchRest(
                url, Duration.ofSeconds(10), Optional.empty(), CaCertificates.read(dir.resolve("http_ca.crt")));

        assertThat(rest.get("/").path("version").path("number").asText()).isEqualTo("8.15.0");
    }

    @Test
    void withoutCaFileTheNodeIsRefusedAsTheJdkKnowsNoSuchCa() {
        SearchRest rest = new SearchRest(url, Duration.ofSeconds(10), Optional.empty(), List.of());

        assertThatThrownBy(() -> rest.get("/"))
                .isInstanceOf(EngineException.class)
                .hasMessageStartingWith("GET " + url + "/: node unreachable (SSLHandshakeException")
                .hasMessageContaining("PKIX path building failed");
    }

    @Test
    void aCaFileOfAnotherCaDoesNotMakeTheNodeTrusted() {
        SearchRest rest = new SearchRest(
                url, Duration.ofSeconds(10), Optional.empty(), CaCertificates.read(dir.resolve("other.crt")));

        assertThatThrownBy(() -> rest.get("/"))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("node unreachable (SSLHandshakeException");
    }

    private static void keytool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(arguments));
        command.addAll(List.of("-storepass", PASSWORD, "-storetype", "PKCS12"));
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
                .as("keytool %s finished", List.of(arguments))
                .isTrue();
        assertThat(process.exitValue())
                .as("keytool %s: %s", List.of(arguments), output)
                .isZero();
    }

    private static SSLContext serverContext(Path keyStore) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keyStore.toFile())) {
            store.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }
}
