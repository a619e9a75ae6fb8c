package io.steward.it.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import io.steward.it.aws.Ec2TestServer;
import io.steward.it.aws.S3TestServer;
import io.steward.testing.LoopFilesystem;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * Snapshot sets taken by a running agent whose PostgreSQL data lives on a volume the EC2 test server knows: the
 * schedule's first set, one asked for over the admin API, both listed over the API and by the CLI.
 */
class SnapshotAgentTest {
    private static final String INSTANCE = "i-0b1c2d3e4f5a60718";
    private static final String BUCKET = "agentsnap";
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void theAgentTakesScheduledAndRequestedSetsAndListsThem() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "steward-agentsnap-");
        try (S3TestServer s3 = S3TestServer.start();
                Ec2TestServer ec2 = Ec2TestServer.start(work.resolve("images"), work.resolve("by-id"))) {
            s3.createBucket(BUCKET);
            ec2.addInstance(INSTANCE, SnapshotFixtures.ZONE, "127.0.0.1");
            String extraYaml = SnapshotFixtures.sections(ec2, s3, BUCKET, List.of(), List.of("schedule: hourly"))
                    + SnapshotFixtures.WAL_WITHOUT_SOCKET;
            LocalCluster.Options options = LocalCluster.Options.defaults()
                    .withNodes(1)
                    .withExtraYaml(extraYaml)
                    .withEnvironment(SnapshotFixtures.environment(ec2, INSTANCE))
                    .withStorage(nodeDir -> {
                        Path data = nodeDir.resolve("data");
                        SnapshotFixtures.mountNewVolume(ec2, INSTANCE, data, "postgres");
                        return () -> LoopFilesystem.run("umount", data.toString());
                    });
            try (LocalCluster cluster = LocalCluster.start(options)) {
                Node primary = cluster.awaitPrimary();

                JsonNode scheduled = await("the schedule's first set")
                        .atMost(PATIENCE)
                        .until(() -> find(primary, "MONTHLY"), Optional::isPresent)
                        .orElseThrow();
                HttpResponse<String> taken =
                        primary.post("/snapshot", "{\"retention\": \"daily\"}", Optional.of(LocalCluster.TOKEN));

                assertThat(taken.statusCode()).as(taken.body()).isEqualTo(201);
                JsonNode requested = json.readTree(taken.body());
                assertThat(requested.path("status").asText()).isEqualTo("PENDING");
                assertThat(requested.path("role").asText()).isEqualTo("primary");
                assertThat(requested.path("volumes").get(0).path("device").asText())
                        .isEqualTo("/dev/sdf");
                assertThat(scheduled.path("node").asText()).isEqualTo(primary.name());
                await("both sets complete")
                        .atMost(PATIENCE)
                        .until(() -> StreamSupport.stream(sets(primary).spliterator(), false)
                                        .filter(set ->
                                                set.path("status").asText().equals("COMPLETED"))
                                        .count()
                                == 2);
                WalFixtures.Run listed = WalFixtures.cli("snapshots", "--api", primary.apiUrl());
                assertThat(listed.exitCode()).as(listed.err()).isZero();
                assertThat(listed.out())
                        .contains(
                                requested.path("id").asText(),
                                scheduled.path("id").asText(),
                                "daily",
                                "monthly",
                                "completed");
                assertThat(ec2.snapshotIds()).hasSize(2);
            }
        } finally {
            LoopFilesystem.run("rm", "-rf", work.toString());
        }
    }

    @Test
    void aReplicaWhoseDataIsGoneIsSeededByItsAgentFromTheNewestSet() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "steward-agentseed-");
        try (S3TestServer s3 = S3TestServer.start();
                Ec2TestServer ec2 = Ec2TestServer.start(work.resolve("images"), work.resolve("by-id"))) {
            s3.createBucket(BUCKET);
            ec2.addInstance(INSTANCE, SnapshotFixtures.ZONE, "127.0.0.1");
            String extraYaml = SnapshotFixtures.sections(
                            ec2,
                            s3,
                            BUCKET,
                            // the set is taken on pg1, whose data lives elsewhere on this one machine than pg2's
                            List.of("restore_mounts: {\"" + LocalCluster.NODE_DIR + "/../pg1/data\": \""
                                    + LocalCluster.NODE_DIR + "/data\"}"),
                            List.of("schedule: off", "seed_replicas: true"))
                    + SnapshotFixtures.WAL_WITHOUT_SOCKET;
            LocalCluster.Options options = LocalCluster.Options.defaults()
                    .withNodes(2)
                    .withExtraYaml(extraYaml)
                    .withEnvironment(SnapshotFixtures.environment(ec2, INSTANCE))
                    .withStorage(nodeDir -> {
                        Path data = Files.createDirectories(nodeDir.resolve("data"));
                        LoopFilesystem.run("chown", "postgres:postgres", data.toString());
                        if (nodeDir.getFileName().toString().equals("pg1")) {
                            SnapshotFixtures.mountNewVolume(ec2, INSTANCE, data, "postgres");
                        }
                        // pg2's data is first copied from the primary, later on a volume made from the set
                        return () -> {
                            if (mounted(data)) {
                                LoopFilesystem.run("umount", data.toString());
                            }
                        };
                    });
            try (LocalCluster cluster = LocalCluster.start(options)) {
                Node primary = cluster.awaitPrimary();
                Node replica = cluster.node("pg2");
                assertThat(mounted(replica.dataDir()))
                        .as("no set yet: the replica was copied from the primary")
                        .isFalse();
                try (Connection connection = primary.connect();
                        Statement statement = connection.createStatement()) {
                    statement.execute(
                            "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)");
                }
                // as an operator takes one: the installed command, its table
                WalFixtures.Run taken = WalFixtures.cli(
                        "snapshot",
                        "--api",
                        primary.apiUrl(),
                        "--token-file",
                        LocalCluster.tokenFile().toString());
                assertThat(taken.exitCode()).as(taken.err()).isZero();
                List<String> table = taken.out().lines().toList();
                assertThat(table).hasSize(2);
                assertThat(table.get(0)).startsWith("SET").contains("STATUS", "CLASS", "ROLE", "EXPIRES");
                assertThat(table.get(1)).contains("pending", "hourly", "primary");
                String setId = table.get(1).split(" +")[0];
                await("the set completes")
                        .atMost(PATIENCE)
                        .until(() -> StreamSupport.stream(sets(primary).spliterator(), false)
                                .anyMatch(set -> set.path("id").asText().equals(setId)
                                        && set.path("status").asText().equals("COMPLETED")));
                try (Connection connection = primary.connect();
                        Statement statement = connection.createStatement()) {
                    statement.execute("INSERT INTO t SELECT generate_series(101, 150)");
                }

                replica.stopAgent(PATIENCE);
                replica.stopServer();
                LoopFilesystem.run("rm", "-rf", replica.dataDir().toString());
                replica.startAgent();

                await("the seeded replica streams")
                        .atMost(PATIENCE)
                        .ignoreExceptions()
                        .until(replica::isStreamingReplica);
                assertThat(mounted(replica.dataDir()))
                        .as("its data is on a volume made from the set")
                        .isTrue();
                assertThat(ec2.client()
                                .describeVolumes(r -> r.filters(
                                        f -> f.name("tag:steward:restored-from").values(setId)))
                                .volumes())
                        .singleElement()
                        .satisfies(volume -> assertThat(volume.attachments()).isNotEmpty());
                await("it has what the primary wrote after the set")
                        .atMost(PATIENCE)
                        .ignoreExceptions()
                        .until(() -> replica.queryOne("SELECT count(*) FROM t").equals("150"));
                assertThat(Files.readString(replica.agentLog()))
                        .contains("seeding this replica from snapshot set " + setId);
            }
        } finally {
            LoopFilesystem.run("rm", "-rf", work.toString());
        }
    }

    private static boolean mounted(Path path) throws Exception {
        if (!Files.exists(path)) {
            return false;
        }
        String target = path.toRealPath().toString();
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .anyMatch(line -> line.split(" ")[1].equals(target));
    }

    private JsonNode sets(Node node) throws Exception {
        return json.readTree(node.get("/snapshots").orElseThrow().body());
    }

    private Optional<JsonNode> find(Node node, String retention) throws Exception {
        return StreamSupport.stream(sets(node).spliterator(), false)
                .filter(set -> set.path("retention").asText().equals(retention))
                .findFirst();
    }
}
