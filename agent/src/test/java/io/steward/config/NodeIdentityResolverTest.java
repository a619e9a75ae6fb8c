package io.steward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.config.NodeIdentityResolver.ImdsUnavailableException;
import io.steward.config.NodeIdentityResolver.NodeIdentity;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdentityResolverTest {
    private ImdsTestServer imds;

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws IOException {
        imds = ImdsTestServer.ec2Instance();
    }

    @AfterEach
    void stop() {
        imds.close();
    }

    @Test
    void theTestServerRefusesRequestsWithoutASessionToken() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> noToken = http.send(
                HttpRequest.newBuilder(imds.endpoint().resolve("/latest/meta-data/instance-id"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> noTtl = http.send(
                HttpRequest.newBuilder(imds.endpoint().resolve("/latest/api/token"))
                        .PUT(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noTtl.statusCode()).isEqualTo(400);
    }

    @Test
    void readsTheIdentityWithASessionToken() {
        try (NodeIdentityResolver resolver = new NodeIdentityResolver(imds.endpoint(), Duration.ofSeconds(2))) {
            assertThat(resolver.identity())
                    .isEqualTo(new NodeIdentity(
                            Optional.of("i-0123456789abcdef0"),
                            Optional.of("eu-west-1a"),
                            Optional.of("eu-west-1"),
                            Optional.of("10.0.3.17"),
                            Optional.of("ip-10-0-3-17.eu-west-1.compute.internal")));
        }
        assertThat(imds.tokensIssued()).isGreaterThanOrEqualTo(1);
        assertThat(imds.unauthorized()).isZero();
    }

    @Test
    void userDataIsEmptyWhenTheInstanceHasNone() {
        try (NodeIdentityResolver resolver = new NodeIdentityResolver(imds.endpoint(), Duration.ofSeconds(2))) {
            assertThat(resolver.userData()).isEmpty();
            imds.userData("{\"name\": \"db01\"}");
            assertThat(resolver.userData()).contains("{\"name\": \"db01\"}");
        }
    }

    @Test
    void anUnreachableImdsIsReportedQuickly() throws IOException {
        URI closed = ConfigLoaderTest.closedPort();
        Instant start = Instant.now();
        try (NodeIdentityResolver resolver = new NodeIdentityResolver(closed, Duration.ofMillis(300))) {
            assertThatThrownBy(resolver::identity)
                    .isInstanceOf(ImdsUnavailableException.class)
                    .hasMessageStartingWith("IMDS at " + closed + " did not answer");
        }
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void theLoaderTakesIdentityFromImdsAndLetsConfigurationOverrideIt() throws IOException {
        imds.userData("{\"name\": \"db02\", \"cluster\": \"db.example.net\", \"master\": \"db01.example.net\"}");
        Path file = Files.writeString(dir.resolve("steward.yml"), """
                engine: testengine
                zookeeper:
                  connect: zk1:2181
                  digest_user: steward
                  digest_password: zk-secret
                aws:
                  imds: on
                  imds_endpoint: %s
                testengine:
                  data_dir: /data
                """.formatted(imds.endpoint()));

        StewardConfig config = ConfigLoader.load(
                new ConfigLoader.Sources(Optional.of(file), Optional.empty(), true, Map.of(), Map.of()));

        assertThat(config.cluster()).isEqualTo("db.example.net");
        assertThat(config.node())
                .isEqualTo(new NodeConfig(
                        "db02",
                        "10.0.3.17",
                        100,
                        false,
                        true,
                        Path.of("/var/lib/steward"),
                        Optional.of("i-0123456789abcdef0"),
                        Optional.of("eu-west-1a"),
                        Optional.of("eu-west-1"),
                        Optional.of("ip-10-0-3-17.eu-west-1.compute.internal")));
        assertThat(config.bootstrap().mode()).isEqualTo(BootstrapConfig.Mode.REPLICA);

        StewardConfig overridden = ConfigLoader.load(new ConfigLoader.Sources(
                Optional.of(file),
                Optional.empty(),
                true,
                Map.of(),
                Map.of(
                        "node.host",
                        "db02.internal",
                        "node.instance_id",
                        "i-00000000000000001",
                        "aws.region",
                        "eu-central-1",
                        "node.availability_zone",
                        "eu-central-1b")));

        assertThat(overridden.node().host()).isEqualTo("db02.internal");
        assertThat(overridden.node().instanceId()).contains("i-00000000000000001");
        assertThat(overridden.node().availabilityZone()).contains("eu-central-1b");
        assertThat(overridden.node().region()).contains("eu-central-1");
        assertThat(overridden.aws().region()).contains("eu-central-1");
    }

    @Test
    void aNodeWithoutANameOfItsOwnIsNamedByItsInstanceId() throws IOException {
        imds.userData("{\"cluster\": \"db.example.net\"}");
        Path file = configWithImdsAuto();

        StewardConfig config = ConfigLoader.load(
                new ConfigLoader.Sources(Optional.of(file), Optional.empty(), true, Map.of(), Map.of()));

        assertThat(config.node().name()).isEqualTo("i-0123456789abcdef0");
    }

    @Test
    void userDataFromImdsIsValidatedLikeAnyOther() throws IOException {
        imds.userData("{\"name\": \"db02\", \"cluster\": \"db.example.net\", \"masters\": \"db01\"}");
        Path file = configWithImdsAuto();

        assertThatThrownBy(() -> ConfigLoader.load(
                        new ConfigLoader.Sources(Optional.of(file), Optional.empty(), true, Map.of(), Map.of())))
                .hasMessageContaining("EC2 user data key 'masters': 'db01' is not valid; unknown user data key");
        imds.userData("#!/bin/bash\napt-get install steward\n");
        assertThatThrownBy(() -> ConfigLoader.load(
                        new ConfigLoader.Sources(Optional.of(file), Optional.empty(), true, Map.of(), Map.of())))
                .hasMessageContaining(
                        "EC2 user data: 'line 1, column 1' is not valid; expected valid JSON; Unexpected character ('#'");
    }

    @Test
    void userDataFromImdsNeedsImds() {
        assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Sources(
                        Optional.empty(), Optional.empty(), true, Map.of("STEWARD_AWS_IMDS", "off"), Map.of())))
                .hasMessageContaining(
                        "aws.imds (from environment variable STEWARD_AWS_IMDS): 'off' is not valid; auto or on when user data is to be read from IMDS");
    }

    /** A configuration that leaves aws.imds at auto, pointed at the test IMDS. */
    private Path configWithImdsAuto() throws IOException {
        return Files.writeString(dir.resolve("steward.yml"), """
                engine: testengine
                zookeeper:
                  connect: zk1:2181
                  digest_user: steward
                  digest_password: zk-secret
                aws:
                  imds_endpoint: %s
                testengine:
                  data_dir: /data
                """.formatted(imds.endpoint()));
    }
}
