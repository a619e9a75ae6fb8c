package io.steward.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.backup.SnapshotSet;
import io.steward.backup.SnapshotVolume;
import io.steward.config.AdminConfig;
import io.steward.config.RetentionClass;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** POST /snapshot and GET /snapshots: request checking and answers; the sets themselves come from a fake catalog. */
class AdminSnapshotApiTest {
    private static final String TOKEN = "s3cret-token";
    private final ObjectMapper json = new ObjectMapper();
    private final List<RetentionClass> requested = new ArrayList<>();
    private final List<SnapshotSet> catalog = new ArrayList<>();
    private AdminServer server;

    private final SnapshotBackend backend = new SnapshotBackend() {
        @Override
        public SnapshotSet takeSnapshot(RetentionClass retention) {
            requested.add(retention);
            if (retention == RetentionClass.MONTHLY) {
                throw new RejectedRequest(
                        "snapshot set 20261122T093000Z-db01 failed: EC2: SnapshotLimitExceeded: too many");
            }
            SnapshotSet set = set(retention);
            catalog.add(set);
            return set;
        }

        @Override
        public List<SnapshotSet> snapshots() {
            return List.copyOf(catalog);
        }
    };

    private static SnapshotSet set(RetentionClass retention) {
        Instant created = Instant.parse("2026-11-22T09:30:00Z");
        return new SnapshotSet(
                "20261122T093000Z-db01",
                "db",
                "db01",
                "primary",
                4,
                "eu-west-1a",
                retention,
                created,
                Optional.of(created.plusSeconds(3)),
                created.plus(retention.defaultRetention()),
                SnapshotSet.Status.PENDING,
                Optional.empty(),
                100,
                200,
                1,
                42,
                List.of(new SnapshotVolume("vol-1", "snap-1", "/data", "/dev/sdf", 10, List.of("/data/pg"))),
                Map.of("backup_label", "LABEL: x\n"));
    }

    private TestHttp start(SnapshotBackend snapshots) throws IOException {
        server = new AdminServer(
                new AdminConfig("127.0.0.1", 0, Optional.of(TOKEN)),
                new RecordingBackend(),
                snapshots,
                DumpBackend.NOT_CONFIGURED,
                Optional.empty(),
                new MetricRegistry());
        server.start();
        return new TestHttp(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aSnapshotIsTakenBeforeTheAnswerWhichIs201WithTheSet() throws IOException {
        TestHttp http = start(backend);

        HttpResponse<String> response = http.post("/snapshot", "{\"retention\": \"daily\"}", TOKEN);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode set = json.readTree(response.body());
        assertThat(set.path("id").asText()).isEqualTo("20261122T093000Z-db01");
        assertThat(set.path("retention").asText()).isEqualTo("DAILY");
        assertThat(set.path("status").asText()).isEqualTo("PENDING");
        assertThat(set.path("expires_at").asText()).isEqualTo("2026-12-06T09:30:00Z");
        assertThat(set.path("volumes").get(0).path("snapshot_id").asText()).isEqualTo("snap-1");
        assertThat(requested).containsExactly(RetentionClass.DAILY);

        HttpResponse<String> listed = http.get("/snapshots");
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(json.readTree(listed.body())).hasSize(1);
    }

    @Test
    void withoutARetentionTheSetIsHourly() throws IOException {
        TestHttp http = start(backend);

        assertThat(http.post("/snapshot", "{}", TOKEN).statusCode()).isEqualTo(201);
        assertThat(requested).containsExactly(RetentionClass.HOURLY);
    }

    @Test
    void badRequestsAre400AndTakeNothing() throws IOException {
        TestHttp http = start(backend);

        HttpResponse<String> unknown = http.post("/snapshot", "{\"retention\": \"yearly\"}", TOKEN);
        HttpResponse<String> field = http.post("/snapshot", "{\"volumes\": \"all\"}", TOKEN);
        HttpResponse<String> token = http.post("/snapshot", "{}", "wrong");

        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json.readTree(unknown.body()).path("error").asText())
                .isEqualTo("field 'retention' must be one of hourly, daily, weekly, monthly, was 'yearly'");
        assertThat(field.statusCode()).isEqualTo(400);
        assertThat(token.statusCode()).isEqualTo(401);
        assertThat(http.send("GET", "/snapshot").statusCode()).isEqualTo(405);
        assertThat(http.post("/snapshots", "{}", TOKEN).statusCode()).isEqualTo(405);
        assertThat(requested).isEmpty();
    }

    @Test
    void aFailedSetIs409WithTheReason() throws IOException {
        TestHttp http = start(backend);

        HttpResponse<String> response = http.post("/snapshot", "{\"retention\": \"monthly\"}", TOKEN);

        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(json.readTree(response.body()).path("error").asText()).contains("SnapshotLimitExceeded");
    }

    @Test
    void withoutSnapshotSetsConfiguredBothEndpointsSaySo() throws IOException {
        TestHttp http = start(SnapshotBackend.NOT_CONFIGURED);

        HttpResponse<String> take = http.post("/snapshot", "{}", TOKEN);
        HttpResponse<String> list = http.get("/snapshots");

        assertThat(take.statusCode()).isEqualTo(409);
        assertThat(list.statusCode()).isEqualTo(409);
        assertThat(json.readTree(list.body()).path("error").asText())
                .isEqualTo("the cluster's snapshot catalog is in the backup store, which this node does not configure "
                        + "(backup.store)");
    }
}
