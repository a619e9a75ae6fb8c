package io.steward.it.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.backup.SnapshotCatalog;
import io.steward.backup.SnapshotSet;
import io.steward.backup.SnapshotVolume;
import io.steward.config.RetentionClass;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import io.steward.it.StewardScript;
import io.steward.it.aws.S3TestServer;
import io.steward.store.ArchiveLayout;
import io.steward.testing.LoopFilesystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A cluster of agents archiving through their sockets to S3 (s3proxy): while S3 is unreachable PostgreSQL's
 * archive_command fails and the backlog shows in {@code GET /health}; once S3 is back every segment gets archived
 * and the backlog drains, nothing lost.
 */
class WalArchiveClusterTest {
    private static final String BUCKET = "clusterwal";
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void anOutageOfS3IsABacklogThatDrainsWithNothingLost() throws Exception {
        Path scripts = Files.createTempDirectory(Path.of("/tmp"), "steward-walcluster-");
        Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (S3TestServer s3 = S3TestServer.start()) {
            s3.createBucket(BUCKET);
            String storeSection = WalFixtures.storeSection(s3.endpoint(), BUCKET)
                    .replace("attempt_timeout: 1s", "attempt_timeout: 3s");
            // without an agent the command would do the work itself, with this configuration
            Path script = StewardScript.install(
                    scripts,
                    WalFixtures.configFile(scripts, storeSection),
                    Map.of("aws.accessKeyId", S3TestServer.ACCESS_KEY, "aws.secretAccessKey", S3TestServer.SECRET_KEY));
            String socket = LocalCluster.NODE_DIR + "/walsock/wal.sock";
            String extraYaml = String.join(
                    "\n",
                    "    archive_mode: 'on'",
                    "    archive_command: '" + script + " wal-push %p --socket " + socket + "'",
                    "backup:",
                    "  store:",
                    storeSection
                            .lines()
                            .map(line -> "    " + line)
                            .reduce((a, b) -> a + "\n" + b)
                            .orElseThrow(),
                    "  wal:",
                    "    socket: " + socket);
            LocalCluster.Options options = LocalCluster.Options.defaults()
                    .withExtraYaml(extraYaml)
                    .withEnvironment(Map.of(
                            "AWS_ACCESS_KEY_ID",
                            S3TestServer.ACCESS_KEY,
                            "AWS_SECRET_ACCESS_KEY",
                            S3TestServer.SECRET_KEY));
            try (LocalCluster cluster = LocalCluster.start(options)) {
                Node primary = cluster.awaitPrimary();
                execute(primary, "CREATE TABLE t (id serial PRIMARY KEY, payload text)");
                String first = switchSegment(primary);
                await("the first segment archived")
                        .atMost(PATIENCE)
                        .until(() ->
                                archive(primary).path("lastArchived").asText("").compareTo(first) >= 0);

                s3.cut();
                List<String> duringOutage = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    duringOutage.add(switchSegment(primary));
                }
                await("a backlog while S3 is away")
                        .atMost(PATIENCE)
                        .until(() -> archive(primary).path("ready").asInt() >= 2
                                && archive(primary).path("failures").asLong() > 0);
                assertThat(archive(primary).path("oldestReadyAgeSeconds").asLong())
                        .isGreaterThanOrEqualTo(0);
                assertThat(primary.get("/health").orElseThrow().statusCode())
                        .as("a backlog is not ill health")
                        .isEqualTo(200);

                s3.heal();
                String last = duringOutage.get(duringOutage.size() - 1);
                await("the backlog drains")
                        .atMost(PATIENCE)
                        .until(() -> archive(primary).path("ready").asInt() == 0
                                && archive(primary)
                                                .path("lastArchived")
                                                .asText("")
                                                .compareTo(last)
                                        >= 0);
                List<String> archived = s3.client().listObjectsV2Paginator(r -> r.bucket(BUCKET)).contents().stream()
                        .map(S3Object::key)
                        .map(key -> key.substring(key.lastIndexOf('/') + 1))
                        .toList();
                assertThat(archived).contains(first).containsAll(duringOutage);
                String metrics = primary.get("/metrics").orElseThrow().body();
                assertThat(metrics).contains("steward_wal_ready 0.0").contains("steward_wal_pushes_total");

                // the catalog is the cluster's: every member lists it, though none here takes sets (backup.snapshots)
                SnapshotSet set = catalogEntry(cluster.name());
                new SnapshotCatalog(s3.client(), BUCKET, new ArchiveLayout("steward", cluster.name())).save(set);
                Node replica = cluster.nodes().stream()
                        .filter(node -> node != primary)
                        .findFirst()
                        .orElseThrow();
                WalFixtures.Run listed = WalFixtures.cli("snapshots", "--api", replica.apiUrl());
                assertThat(listed.exitCode()).as(listed.err()).isZero();
                assertThat(listed.out()).contains("SET", set.id(), "monthly", "snap-0a1b2c3d4e5f60718");
            }
        } finally {
            LoopFilesystem.run("rm", "-rf", scripts.toString());
        }
    }

    /** A set as another member of the cluster, one that takes sets, would have recorded it. */
    private static SnapshotSet catalogEntry(String cluster) {
        Instant created = Instant.parse("2026-11-22T09:30:00Z");
        return new SnapshotSet(
                "20261122T093000Z-elsewhere",
                cluster,
                "elsewhere",
                "replica",
                1,
                "eu-west-1a",
                RetentionClass.MONTHLY,
                created,
                Optional.of(created.plusSeconds(3)),
                created.plus(RetentionClass.MONTHLY.defaultRetention()),
                SnapshotSet.Status.COMPLETED,
                Optional.empty(),
                100,
                200,
                1,
                42,
                List.of(new SnapshotVolume(
                        "vol-1", "snap-0a1b2c3d4e5f60718", "/data", "/dev/sdf", 10, List.of("/data"))),
                Map.of());
    }

    /** Writes a little, switches to a new segment, and returns the name of the one it closed. */
    private static String switchSegment(Node primary) throws Exception {
        execute(primary, "INSERT INTO t (payload) SELECT md5(g::text) FROM generate_series(1, 1000) g");
        return primary.queryOne("SELECT pg_walfile_name(pg_switch_wal())");
    }

    private static void execute(Node node, String sql) throws SQLException {
        try (Connection db = node.connect();
                Statement statement = db.createStatement()) {
            statement.execute(sql);
        }
    }

    private JsonNode archive(Node node) throws Exception {
        return json.readTree(node.get("/health").orElseThrow().body()).path("archive");
    }
}
