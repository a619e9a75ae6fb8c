package io.steward.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.config.AdminConfig;
import io.steward.config.HaConfig;
import io.steward.settings.ConfigProblems;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The endpoints an operator's toolbox uses: {@code /config}, {@code /restart}, {@code /reload}, scheduled switchovers. */
class OperatorRequestsTest {
    private static final String TOKEN = "s3cret-token";
    private final ObjectMapper json = new ObjectMapper();
    private final RecordingBackend backend = new RecordingBackend();
    private AdminServer server;
    private TestHttp http;

    @BeforeEach
    void start() throws IOException {
        server = new AdminServer(
                new AdminConfig("127.0.0.1", 0, Optional.of(TOKEN)),
                backend,
                SnapshotBackend.NOT_CONFIGURED,
                DumpBackend.NOT_CONFIGURED,
                Optional.empty(),
                new MetricRegistry());
        server.start();
        http = new TestHttp(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private JsonNode body(HttpResponse<String> response) throws IOException {
        return json.readTree(response.body());
    }

    private HttpResponse<String> post(String path, String body) {
        return http.post(path, body, TOKEN);
    }

    @Test
    void configShowsTheClusterWideSettingsTheNodesOwnAndThoseInForceAndChangesNothing() throws IOException {
        HttpResponse<String> response = http.get("/config");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode config = body(response);
        assertThat(config.path("cluster").path("failsafe_mode").asText()).isEqualTo("true");
        assertThat(config.path("node").path("failsafe_mode").asText()).isEqualTo("false");
        assertThat(config.path("node").path("loop_wait").asText()).isEqualTo("1s");
        assertThat(config.path("node").path("maximum_lag_on_failover").asText()).isEqualTo("1MB");
        assertThat(config.path("inForce").path("failsafe_mode").asText()).isEqualTo("true");
        assertThat(backend.calls).isEmpty();
        assertThat(post("/config", "{}").statusCode()).isEqualTo(405);
    }

    @Test
    void settingsAreWrittenAsTheHaSectionTakesThemAndReadBackTheSame() {
        HaConfig odd = new HaConfig(Duration.ofMillis(1500), 3000, Duration.ZERO, true, false, true);

        Map<String, String> texts = AdminJson.Config.texts(odd);

        assertThat(List.copyOf(texts.keySet())).isEqualTo(HaConfig.KEYS);
        assertThat(texts)
                .containsEntry("loop_wait", "1500ms")
                .containsEntry("maximum_lag_on_failover", "3000")
                .containsEntry("primary_start_timeout", "0s");
        ConfigProblems problems = new ConfigProblems();
        assertThat(HaConfig.DEFAULTS.overriddenBy(texts, "test", problems)).isEqualTo(odd);
        assertThat(problems.isEmpty()).isTrue();
    }

    @Test
    void anImmediateRestartIsAnsweredOnceDone() throws IOException {
        HttpResponse<String> response = post("/restart", "{\"member\": \"pg1\", \"role\": \"primary\"}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(body(response).path("message").asText()).isEqualTo("pg1: restarted");
        assertThat(backend.calls).containsExactly("restart:now:PRIMARY");
    }

    @Test
    void aScheduledRestartIsAcceptedAndAFailedOneRefusedWithTheEnginesError() throws IOException {
        String at = Instant.now()
                .plus(1, ChronoUnit.HOURS)
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();
        HttpResponse<String> scheduled = post("/restart", "{\"scheduled_at\": \"" + at + "\", \"pending\": true}");
        assertThat(scheduled.statusCode()).as(scheduled.body()).isEqualTo(202);
        assertThat(body(scheduled).path("message").asText())
                .contains("restart scheduled at " + at)
                .contains("only if a setting waits for a restart");

        backend.restartOutcome = CompletableFuture.failedFuture(new IllegalStateException("pg_ctl start failed"));
        HttpResponse<String> failed = post("/restart", "{}");
        assertThat(failed.statusCode()).isEqualTo(409);
        assertThat(body(failed).path("error").asText()).isEqualTo("restart of pg1 failed: pg_ctl start failed");

        assertThat(post("/restart/cancel", "{}").statusCode()).isEqualTo(202);
        assertThat(backend.calls).containsExactly("restart:" + at + ":pending", "restart:now", "cancel-restart");
    }

    @Test
    void badRestartsAreRefusedAndReachNothing() throws IOException {
        assertThat(body(post("/restart", "{\"member\": \"pg2\"}")).path("error").asText())
                .contains("this agent runs pg1, not pg2")
                .contains("apiUrl in GET /cluster");
        assertThat(body(post("/restart", "{\"role\": \"leader\"}"))
                        .path("error")
                        .asText())
                .isEqualTo("field 'role' must be primary or replica, was 'leader'");
        assertThat(body(post("/restart", "{\"scheduled_at\": \"10:30\"}"))
                        .path("error")
                        .asText())
                .contains("must be an ISO-8601 time with its offset");
        assertThat(body(post("/restart", "{\"scheduled_at\": \"2020-01-01T00:00:00Z\"}"))
                        .path("error")
                        .asText())
                .contains("in the past; leave it out to restart now");
        assertThat(post("/restart", "{\"pending\": \"yes\"}").statusCode()).isEqualTo(400);
        assertThat(http.post("/restart", "{}", null).statusCode()).isEqualTo(401);
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void anEngineWithoutRestartsRefusesNamingTheCapability() throws IOException {
        backend.restartOutcome = null;

        for (String path : List.of("/restart", "/reload")) {
            HttpResponse<String> response = post(path, "{}");
            assertThat(response.statusCode()).isEqualTo(409);
            assertThat(body(response).path("error").asText()).contains("lacks the Restartable capability");
        }
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void reloadReachesTheBackend() throws IOException {
        HttpResponse<String> response = post("/reload", "{\"member\": \"pg1\"}");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(body(response).path("message").asText())
                .isEqualTo("pg1: the server rereads its configuration files");
        assertThat(backend.calls).containsExactly("reload");
    }

    @Test
    void aSwitchoverCanBeScheduledAndCancelled() throws IOException {
        String at = Instant.now()
                .plus(10, ChronoUnit.MINUTES)
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();
        HttpResponse<String> scheduled = post("/switchover", "{\"to\": \"pg2\", \"scheduled_at\": \"" + at + "\"}");
        assertThat(scheduled.statusCode()).as(scheduled.body()).isEqualTo(202);
        assertThat(body(scheduled).path("message").asText()).isEqualTo("switchover to pg2 scheduled at " + at);

        HttpResponse<String> cancelled = post("/switchover/cancel", "");
        assertThat(body(cancelled).path("message").asText()).isEqualTo("switchover from pg1 to pg2 cancelled");
        assertThat(backend.calls).containsExactly("switchover:pg2@" + at, "cancel-switchover");

        assertThat(post("/switchover", "{\"scheduled_at\": \"2020-01-01T00:00:00+02:00\"}")
                        .statusCode())
                .isEqualTo(400);
    }

    @Test
    void healthNamesTheRestartThatWaits() throws IOException {
        NodeStatus primary = RecordingBackend.primary();
        backend.self = new NodeStatus(
                primary.name(),
                primary.role(),
                primary.writablePrimary(),
                primary.streaming(),
                primary.lagBytes(),
                primary.epoch(),
                primary.lastDecision(),
                primary.problem(),
                primary.failingAction(),
                primary.archive(),
                primary.engineDetails(),
                primary.failsafe(),
                primary.badZnodes(),
                Optional.of("restart scheduled at 2030-01-01T00:00:00Z"),
                Optional.empty());

        assertThat(body(http.get("/health")).path("restart").asText())
                .isEqualTo("restart scheduled at 2030-01-01T00:00:00Z");
    }
}
