package io.steward.it.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.steward.it.Database;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import io.steward.it.aws.Ec2TestServer;
import io.steward.it.aws.S3TestServer;
import io.steward.it.backup.SnapshotFixtures;
import io.steward.it.backup.WalFixtures;
import io.steward.testing.FreePorts;
import io.steward.testing.LoopFilesystem;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.ec2.model.VolumeState;

/**
 * EBS snapshot sets of a Redis node whose data directory is the root of an XFS volume the EC2 test server knows. A
 * real redis-server started on a volume restored from a set holds what was written before the request, and not what
 * came after: at persistence {@code low} (RDB only) because a save that started after the request is waited out, at
 * {@code normal} and {@code high} because the freeze flushes the append-only file with every acknowledged write. At
 * persistence {@code no} there is nothing on the volume to keep, and the request is refused before anything is
 * frozen or snapshotted.
 */
class RedisSnapshotTest {
    private static final String INSTANCE = "i-0d1e2f3a4b5c60718";
    private static final String BUCKET = "redissnap";
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private final ObjectMapper json = new ObjectMapper();
    private Path work;
    private S3TestServer s3;
    private Ec2TestServer ec2;

    @BeforeEach
    void startAws() throws Exception {
        work = Files.createTempDirectory(Path.of("/tmp"), "steward-redissnap-");
        s3 = S3TestServer.start();
        s3.createBucket(BUCKET);
        ec2 = Ec2TestServer.start(work.resolve("images"), work.resolve("by-id"));
        ec2.addInstance(INSTANCE, SnapshotFixtures.ZONE, "127.0.0.1");
    }

    @AfterEach
    void stopAws() throws Exception {
        ec2.close();
        s3.close();
        LoopFilesystem.run("rm", "-rf", work.toString());
    }

    @ParameterizedTest(name = "persistence {0}")
    @ValueSource(strings = {"low", "normal", "high"})
    void aSetRestoresToWhatWasWrittenBeforeIt(String persistence) throws Exception {
        boolean appendOnly = !persistence.equals("low");
        try (LocalCluster cluster = LocalCluster.start(options(persistence))) {
            Node primary = cluster.awaitPrimary();
            primary.onRedis(redis -> redis.sync().set("before", "in the snapshot"));

            HttpResponse<String> taken =
                    primary.post("/snapshot", "{\"retention\": \"daily\"}", Optional.of(LocalCluster.TOKEN));

            assertThat(taken.statusCode()).as(taken.body()).isEqualTo(201);
            String id = json.readTree(taken.body()).path("id").asText();
            primary.onRedis(redis -> redis.sync().set("after", "not in the snapshot"));
            await("the set complete")
                    .atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> StreamSupport.stream(sets(primary).spliterator(), false)
                            .anyMatch(set -> set.path("id").asText().equals(id)
                                    && set.path("status").asText().equals("COMPLETED")));
            assertThat(Files.readString(primary.agentLog()))
                    .containsSubsequence(
                            "snapshot " + id
                                    + (appendOnly
                                            ? ": the append-only file holds every acknowledged write"
                                            : ": BGSAVE finished, dump.rdb is current"),
                            "freezing [" + primary.dataDir(),
                            "thawed [" + primary.dataDir());
            assertThat(ec2.snapshotIds()).hasSize(1);

            WalFixtures.Run refused = restoreWithTheCli(primary);
            assertThat(refused.exitCode()).as(refused.err()).isEqualTo(1);
            assertThat(refused.err())
                    .contains("cannot start a server from a snapshot set's volumes yet; nothing was created");
            assertThat(ec2.calls("CreateVolume"))
                    .as("no volume made for a restore Steward cannot finish")
                    .isZero();

            Path restored = restore(ec2.snapshotIds().get(0), work.resolve("restored"));
            try {
                Map<String, String> keys = readWithRedisServer(restored, appendOnly, "before", "after");
                assertThat(keys).containsEntry("before", "in the snapshot").doesNotContainKey("after");
            } finally {
                LoopFilesystem.run("umount", restored.toString());
            }
            String after = primary.onRedis(redis -> redis.sync().get("after"));
            assertThat(after).as("the node writes on").isEqualTo("not in the snapshot");
        }
    }

    @Test
    void atPersistenceNoASetIsRefusedAndNothingIsFrozenOrSnapshotted() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(options("no"))) {
            Node primary = cluster.awaitPrimary();

            HttpResponse<String> refused =
                    primary.post("/snapshot", "{\"retention\": \"daily\"}", Optional.of(LocalCluster.TOKEN));

            assertThat(refused.statusCode()).as(refused.body()).isGreaterThanOrEqualTo(400);
            assertThat(refused.body()).contains("redis.persistence is no");
            assertThat(Files.readString(primary.agentLog())).doesNotContain("freezing [");
            assertThat(ec2.snapshotIds()).isEmpty();
            assertThat(ec2.calls("CreateSnapshot")).isZero();
        }
    }

    /** One Redis node at {@code persistence}, its data directory the root of an XFS volume attached as /dev/sdf. */
    private LocalCluster.Options options(String persistence) {
        String extraYaml = "  persistence: " + persistence + "\n"
                + SnapshotFixtures.sections(ec2, s3, BUCKET, List.of(), List.of("schedule: off"));
        return LocalCluster.Options.defaults()
                .withDatabase(Database.REDIS)
                .withNodes(1)
                .withExtraYaml(extraYaml)
                .withEnvironment(SnapshotFixtures.environment(ec2, INSTANCE))
                .withStorage(nodeDir -> {
                    Path data = nodeDir.resolve("data");
                    SnapshotFixtures.mountNewVolume(ec2, INSTANCE, data, "redis");
                    return () -> LoopFilesystem.run("umount", data.toString());
                });
    }

    /** {@code steward restore} with the node's configuration and what its agent has from its environment. */
    private WalFixtures.Run restoreWithTheCli(Node node) {
        S3TestServer.lendCredentialsToThisJvm();
        try {
            return WalFixtures.cli(
                    "restore",
                    "--config",
                    node.config().toString(),
                    "--set",
                    "node.instance_id=" + INSTANCE,
                    "--set",
                    "node.availability_zone=" + SnapshotFixtures.ZONE,
                    "--set",
                    "aws.region=eu-west-1",
                    "--set",
                    "aws.ec2.endpoint=" + ec2.endpoint());
        } finally {
            S3TestServer.withdrawCredentialsFromThisJvm();
        }
    }

    /** A new volume from the snapshot, attached as /dev/sdg and mounted at {@code mountPoint}. */
    private Path restore(String snapshotId, Path mountPoint) throws Exception {
        var client = ec2.client();
        String volumeId = client.createVolume(r -> r.snapshotId(snapshotId).availabilityZone(SnapshotFixtures.ZONE))
                .volumeId();
        await().atMost(PATIENCE)
                .until(() -> client.describeVolumes(r -> r.volumeIds(volumeId))
                                .volumes()
                                .get(0)
                                .state()
                        == VolumeState.AVAILABLE);
        client.attachVolume(r -> r.volumeId(volumeId).instanceId(INSTANCE).device("/dev/sdg"));
        Files.createDirectories(mountPoint);
        // the original is still mounted, with the same XFS UUID
        LoopFilesystem.run("mount", "-o", "nouuid", ec2.loopDevice(volumeId), mountPoint.toString());
        return mountPoint;
    }

    /** Starts a redis-server of its own on {@code dir} (its dump.rdb, or its append-only file), and reads {@code keys}. */
    private static Map<String, String> readWithRedisServer(Path dir, boolean appendOnly, String... keys)
            throws Exception {
        int port = FreePorts.next();
        Process server = new ProcessBuilder(
                        "redis-server",
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        dir.toString(),
                        "--dbfilename",
                        "dump.rdb",
                        "--appendonly",
                        appendOnly ? "yes" : "no",
                        "--save",
                        "",
                        "--daemonize",
                        "no")
                .redirectErrorStream(true)
                .redirectOutput(dir.getParent().resolve("restored-redis.log").toFile())
                .start();
        RedisClient client = RedisClient.create(RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(port)
                .withTimeout(Duration.ofSeconds(10))
                .build());
        try {
            StatefulRedisConnection<String, String> connection = await("the restored server listening")
                    .atMost(PATIENCE)
                    .ignoreExceptions()
                    .until(client::connect, Objects::nonNull);
            try (connection) {
                // a server still loading its dump answers LOADING
                await("the dump loaded")
                        .atMost(PATIENCE)
                        .ignoreExceptions()
                        .until(() -> "PONG".equals(connection.sync().ping()));
                Map<String, String> found = new java.util.TreeMap<>();
                for (String key : keys) {
                    Optional.ofNullable(connection.sync().get(key)).ifPresent(value -> found.put(key, value));
                }
                return found;
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private JsonNode sets(Node node) throws Exception {
        return json.readTree(node.get("/snapshots").orElseThrow().body());
    }
}
