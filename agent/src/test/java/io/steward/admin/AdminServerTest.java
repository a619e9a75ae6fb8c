package io.steward.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.config.AdminConfig;
import io.steward.coordination.ClusterView;
import io.steward.coordination.StateProblem;
import io.steward.engine.Role;
import io.steward.progress.Progress;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdminServerTest {
    private static final String TOKEN = "s3cret-token";
    private final ObjectMapper json = new ObjectMapper();
    private final RecordingBackend backend = new RecordingBackend();
    private AdminServer server;
    private TestHttp http;

    @BeforeEach
    void start() throws IOException {
        server = startServer(Optional.of(TOKEN));
        http = new TestHttp(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private AdminServer startServer(Optional<String> token) throws IOException {
        AdminServer started = new AdminServer(
                new AdminConfig("127.0.0.1", 0, token),
                backend,
                SnapshotBackend.NOT_CONFIGURED,
                DumpBackend.NOT_CONFIGURED,
                Optional.empty(),
                new MetricRegistry());
        started.start();
        return started;
    }

    private JsonNode body(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        return json.readTree(response.body());
    }

    /** Asserts the status and the JSON error body, and returns the error message. */
    private String error(HttpResponse<String> response, int status) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = body(response);
        assertThat(body.size()).isEqualTo(1);
        return body.path("error").asText();
    }

    @Test
    void healthIs200WithTheNodeStatusWhenHealthy() throws IOException {
        HttpResponse<String> response = http.get("/health");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = body(response);
        assertThat(body.path("name").asText()).isEqualTo("pg1");
        assertThat(body.path("role").asText()).isEqualTo("PRIMARY");
        assertThat(body.path("healthy").asBoolean()).isTrue();
        assertThat(body.path("problem").isNull()).isTrue();
        assertThat(body.path("failingAction").isNull()).isTrue();
    }

    @Test
    void healthIs503WhenUnhealthy() throws IOException {
        backend.self = RecordingBackend.unhealthy("replication slot missing");

        HttpResponse<String> response = http.get("/health");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(body(response).path("problem").asText()).isEqualTo("replication slot missing");
        JsonNode failing = body(response).path("failingAction");
        assertThat(failing.path("action").asText()).isEqualTo("CloneFrom");
        assertThat(failing.path("reason").asText()).isEqualTo("replication slot missing");
        assertThat(failing.path("since").asText()).isEqualTo("2026-12-02T09:00:00Z");
    }

    @Test
    void primaryIs200OnlyOnTheWritablePrimary() throws IOException {
        HttpResponse<String> onPrimary = http.get("/primary");
        assertThat(onPrimary.statusCode()).isEqualTo(200);
        assertThat(body(onPrimary).path("role").asText()).isEqualTo("PRIMARY");
        assertThat(body(onPrimary).path("epoch").asLong()).isEqualTo(3);

        backend.self = RecordingBackend.replica(0, true);
        HttpResponse<String> onReplica = http.get("/primary");
        assertThat(onReplica.statusCode()).isEqualTo(503);
        assertThat(body(onReplica).path("reason").asText()).contains("not the writable primary");
    }

    @ParameterizedTest(name = "lag {0}, streaming {1}, query ''{2}'' -> {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "0       | true  | ''                | 200",
                "1000    | true  | ?lag=16MB         | 200",
                "16777216| true  | ?lag=16MB         | 200",
                "16777217| true  | ?lag=16MB         | 503",
                "5000    | true  | ?lag=4096         | 503",
                "5000    | true  | ?lag=5000         | 200",
                "-1      | true  | ?lag=16MB         | 503",
                "-1      | true  | ''                | 200",
                "0       | false | ''                | 503"
            })
    void replicaChecksStreamingAndLag(long lag, boolean streaming, String query, int status) {
        backend.self = RecordingBackend.replica(lag, streaming);

        assertThat(http.get("/replica" + query).statusCode()).isEqualTo(status);
    }

    @Test
    void replicaIs503OnThePrimaryAndWhenUnhealthy() {
        assertThat(http.get("/replica").statusCode()).isEqualTo(503);

        backend.self = RecordingBackend.unhealthy("no WAL received for 30s");
        assertThat(http.get("/replica").statusCode()).isEqualTo(503);
    }

    @ParameterizedTest
    @CsvSource({"lots", "-5", "16XB", "''"})
    void malformedLagIs400NamingTheParameter(String lag) throws IOException {
        backend.self = RecordingBackend.replica(0, true);

        String message = error(http.get("/replica?lag=" + lag), 400);

        assertThat(message).contains("'lag'").contains("16MB");
    }

    @Test
    void unknownQueryParameterIs400() throws IOException {
        assertThat(error(http.get("/health?verbose=1"), 400)).contains("'verbose'");
    }

    @Test
    void clusterShowsMembersLagRelativeToTheLeader() throws IOException {
        HttpResponse<String> response = http.get("/cluster");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode cluster = body(response);
        assertThat(cluster.path("leader").asText()).isEqualTo("pg1");
        assertThat(cluster.path("epoch").asLong()).isEqualTo(3);
        assertThat(cluster.path("maintenance").asBoolean()).isFalse();
        assertThat(cluster.path("transfer").path("kind").asText()).isEqualTo("SWITCHOVER");
        assertThat(cluster.path("transfer").path("to").asText()).isEqualTo("pg2");
        assertThat(cluster.path("sync").path("standby").asText()).isEqualTo("pg2");
        JsonNode members = cluster.path("members");
        assertThat(members).extracting(member -> member.path("name").asText()).containsExactly("pg1", "pg2", "pg3");
        assertThat(members.get(0).path("leader").asBoolean()).isTrue();
        assertThat(members.get(0).path("lagBytes").asLong()).isZero();
        assertThat(members.get(1).path("lagBytes").asLong()).isEqualTo(RecordingBackend.PG2_LAG);
        assertThat(members.get(1).path("upstream").asText()).isEqualTo("pg1");
        assertThat(members.get(1).path("database").asText()).isEqualTo("10.0.0.2:5432");
        assertThat(members.get(2).path("lagBytes").asLong()).isEqualTo(-1);
        assertThat(members.get(2).path("healthy").asBoolean()).isFalse();
        assertThat(members.get(2).path("problem").asText()).isEqualTo("postgres is not running");
        assertThat(members.get(2).path("tags").path("noFailover").asBoolean()).isTrue();
        assertThat(members.get(2).path("timeline").asLong()).isEqualTo(2);
    }

    @Test
    void badZnodesAreNamedInHealthAndClusterWithoutMakingTheNodeUnhealthy() throws IOException {
        StateProblem bad = new StateProblem("/members/ghost", "{}", "no name; member skipped");
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
                Optional.empty(),
                List.of(bad),
                Optional.empty(),
                Optional.empty());
        ClusterView view = RecordingBackend.threeMembers();
        backend.cluster = new ClusterView(
                view.members(),
                view.lease(),
                view.badLease(),
                view.epoch(),
                view.initialized(),
                view.maintenance(),
                view.transfer(),
                view.sync(),
                view.settings(),
                Optional.empty(),
                List.of(bad));

        HttpResponse<String> health = http.get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        for (JsonNode listed : List.of(
                body(health).path("badZnodes"), body(http.get("/cluster")).path("badZnodes"))) {
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).path("path").asText()).isEqualTo("/members/ghost");
            assertThat(listed.get(0).path("content").asText()).isEqualTo("{}");
            assertThat(listed.get(0).path("reason").asText()).isEqualTo("no name; member skipped");
        }
        backend.self = primary;
        assertThat(body(http.get("/health")).path("badZnodes"))
                .as("an empty list, not null")
                .isEmpty();
    }

    @Test
    void healthShowsHowFarACloneHasCome() throws IOException {
        NodeStatus replica = RecordingBackend.replica(-1, false);
        assertThat(body(http.get("/health")).path("progress").isNull())
                .as("null while nothing runs")
                .isTrue();
        backend.self = new NodeStatus(
                replica.name(),
                Role.STOPPED,
                false,
                false,
                -1,
                replica.epoch(),
                "cloning",
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                List.of(),
                Optional.empty(),
                Optional.of(Progress.bytes("cloning from pg1", 470, OptionalLong.of(1000), Duration.ofSeconds(12))));

        JsonNode progress = body(http.get("/health")).path("progress");

        assertThat(progress.path("action").asText()).isEqualTo("cloning from pg1");
        assertThat(progress.path("done").asLong()).isEqualTo(470);
        assertThat(progress.path("total").asLong()).isEqualTo(1000);
        assertThat(progress.path("unit").asText()).isEqualTo("bytes");
        assertThat(progress.path("percent").asInt()).isEqualTo(47);
        assertThat(progress.path("elapsedSeconds").asLong()).isEqualTo(12);
    }

    @Test
    void historyListsEveryChangeOfPrimary() throws IOException {
        HttpResponse<String> response = http.get("/history");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode history = body(response);
        assertThat(history).hasSize(3);
        assertThat(history.get(0).path("previous").isNull()).isTrue();
        assertThat(history.get(1).path("primary").asText()).isEqualTo("pg2");
        assertThat(history.get(1).path("previous").asText()).isEqualTo("pg1");
        assertThat(history.get(2).path("reason").asText()).isEqualTo("switchover");
    }

    @Test
    void metricsAreServedAsPrometheusText() {
        HttpResponse<String> response = http.get("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains(AdminServer.PROMETHEUS_CONTENT_TYPE);
    }

    @Test
    void readsChangeNothing() {
        for (String path : new String[] {"/health", "/primary", "/replica", "/cluster", "/history", "/metrics"}) {
            http.get(path);
        }

        assertThat(backend.calls).isEmpty();
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/switchover   | {}                  | switchover:*",
                "/switchover   | ''                  | switchover:*",
                "/switchover   | {\"to\": \"pg2\"}   | switchover:pg2",
                "/switchover   | {\"to\": null}      | switchover:*",
                "/failover     | {\"to\": \"pg2\"}   | failover:pg2",
                "/maintenance  | {\"enabled\": true} | maintenance:true",
                "/maintenance  | {\"enabled\": false}| maintenance:false",
                "/settings     | {\"loop_wait\": \"2s\"} | settings:loop_wait=2s",
                "/settings     | {\"synchronous_mode\": true} | settings:synchronous_mode=true",
                "/settings     | {\"maximum_lag_on_failover\": null} | settings:maximum_lag_on_failover=(removed)"
            })
    void acceptedMutationsAre202AndReachTheBackend(String path, String body, String call) throws IOException {
        HttpResponse<String> response = http.post(path, body, TOKEN);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(body(response).path("message").asText()).isNotBlank();
        assertThat(backend.calls).containsExactly(call);
    }

    @Test
    void aConfirmedFailsafeCallIs200AndARefusedOne409WithTheReason() throws IOException {
        HttpResponse<String> confirmed =
                http.post("/failsafe", "{\"leader\": \"pg1\", \"epoch\": 3, \"valid_for_ms\": 5000}", TOKEN);
        HttpResponse<String> refused =
                http.post("/failsafe", "{\"leader\": \"pg3\", \"epoch\": 3, \"valid_for_ms\": 5000}", TOKEN);

        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(200);
        assertThat(body(confirmed).path("message").asText()).isEqualTo("confirmed pg1's failsafe call for epoch 3");
        assertThat(error(refused, 409))
                .isEqualTo(
                        "failsafe call of pg3 for epoch 3 not confirmed: this member last saw " + "pg1 hold the lease");
        assertThat(backend.calls).containsExactly("failsafe:pg1:3:5000", "failsafe:pg3:3:5000");
        assertThat(error(
                        http.post("/failsafe", "{\"leader\": \"pg1\", \"epoch\": 3, \"valid_for_ms\": 5000}", null),
                        401))
                .contains("token");
    }

    @Test
    void reinitializeIs202OnAReplica() {
        backend.self = RecordingBackend.replica(0, true);

        assertThat(http.post("/reinitialize", "", TOKEN).statusCode()).isEqualTo(202);
        assertThat(backend.calls).containsExactly("reinitialize");
    }

    @Test
    void mutationsAre403WhenNoTokenIsConfigured() throws IOException {
        try (AdminServer tokenless = startServer(Optional.empty())) {
            HttpResponse<String> response = new TestHttp(tokenless.port()).post("/switchover", "{}", TOKEN);

            assertThat(error(response, 403)).isEqualTo("mutations are disabled: no admin.token is configured");
        }
        assertThat(backend.calls).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(
            value = {"NULL", "wrong-token", "s3cret-token-but-longer", "''"},
            nullValues = "NULL")
    void mutationsWithoutTheRightTokenAre401(String token) throws IOException {
        HttpResponse<String> response = http.post("/failover", "{\"to\": \"pg2\"}", token);

        assertThat(error(response, 401)).contains("token");
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(value -> assertThat(value).startsWith("Bearer"));
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void aNonBearerSchemeIs401() throws IOException {
        HttpResponse<String> response = http.post("/maintenance", "{\"enabled\": true}", null);
        assertThat(error(response, 401)).contains("missing bearer token");
        assertThat(backend.calls).isEmpty();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "/switchover  | {\"to\": \"pg2\"          | malformed JSON at line 1, column 13: Unexpected end-of-input",
                "/switchover  | {\"to\": \"pg2\"} {}      | malformed JSON",
                "/switchover  | {\"to\": 1, \"to\": 2}    | malformed JSON",
                "/switchover  | [\"pg2\"]                 | must be a JSON object",
                "/switchover  | {\"candidate\": \"pg2\"}  | unknown field 'candidate'",
                "/switchover  | {\"to\": 5}               | field 'to'",
                "/switchover  | {\"to\": \"  \"}          | field 'to'",
                "/failover    | {}                        | field 'to' is required",
                "/failover    | {\"to\": [\"pg2\"]}       | field 'to'",
                "/maintenance | {\"enabled\": \"yes\"}    | field 'enabled'",
                "/maintenance | {\"enabled\": 1}          | field 'enabled'",
                "/maintenance | {}                        | field 'enabled' is required",
                "/reinitialize| {\"force\": true}         | unknown field 'force'",
                "/settings    | {}                        | no setting given",
                "/settings    | {\"loop_wait\": \"soon\"}   | settings.loop_wait: 'soon' is not valid",
                "/settings    | {\"loop_wait\": \"2s\", \"maximum_lag_on_failover\": -1} | settings.maximum_lag_on_failover",
                "/settings    | {\"synchronous_mode\": [true]} | field 'synchronous_mode'",
                "/settings    | {\"ttl\": 30}               | unknown field 'ttl'",
                "/failsafe    | {\"leader\": \"pg1\", \"epoch\": 3} | field 'valid_for_ms' is required: a whole number from 1 to 600000",
                "/failsafe    | {\"leader\": \"pg1\", \"epoch\": -1, \"valid_for_ms\": 5} | field 'epoch' is required: a whole number from 0",
                "/failsafe    | {\"leader\": \"pg1\", \"epoch\": \"3\", \"valid_for_ms\": 5} | field 'epoch'",
                "/failsafe    | {\"leader\": \"pg1\", \"epoch\": 3, \"valid_for_ms\": 1.5} | field 'valid_for_ms'",
                "/failsafe    | {\"epoch\": 3, \"valid_for_ms\": 5}   | field 'leader' is required"
            })
    void invalidBodiesAre400AndChangeNothing(String path, String body, String problem) throws IOException {
        assertThat(error(http.post(path, body, TOKEN), 400)).contains(problem);
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void oversizedBodiesAre413AndChangeNothing() throws IOException {
        String body = "{\"to\": \"" + "x".repeat(AdminHttpServer.MAX_BODY_BYTES) + "\"}";

        assertThat(error(http.post("/switchover", body, TOKEN), 413)).contains("65536");
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void rejectedRequestsAre409WithTheBackendsMessage() throws IOException {
        assertThat(error(http.post("/failover", "{\"to\": \"pg9\"}", TOKEN), 409))
                .isEqualTo("no member named 'pg9'");
        assertThat(error(http.post("/reinitialize", "{}", TOKEN), 409)).isEqualTo("cannot reinitialize the primary");
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void wrongMethodIs405WithAllow() throws IOException {
        HttpResponse<String> getMutation = http.get("/switchover");
        assertThat(error(getMutation, 405)).contains("POST");
        assertThat(getMutation.headers().firstValue("Allow")).contains("POST");

        HttpResponse<String> postRead = http.post("/health", "{}", TOKEN);
        assertThat(error(postRead, 405)).contains("GET");
        assertThat(postRead.headers().firstValue("Allow")).contains("GET");

        assertThat(http.send("DELETE", "/cluster").statusCode()).isEqualTo(405);
        assertThat(backend.calls).isEmpty();
    }

    @Test
    void unknownPathIs404() throws IOException {
        assertThat(error(http.get("/nope"), 404)).contains("/nope");
        assertThat(error(http.get("/healthz"), 404)).contains("/healthz");
        assertThat(error(http.get("/"), 404)).contains("/");
    }
}
