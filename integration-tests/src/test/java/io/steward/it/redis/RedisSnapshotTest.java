package io.steward.it.redis;

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
import io.steward.it.backup.WalFixtures;
import io.steward.testing.FreePorts;
import io.steward.testing.LoopFilesystem;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.model.VolumeState;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * EBS snapshot sets of a Redis node whose data directory is the root of an XFS volume the EC2 test server knows. At
 * persistence {@code low} (RDB only) the set is taken after a save that started after the request, so a real
 * redis-server started on a volume restored from it holds what was written before, and not what came after. At
 * persistence {@code no} there is nothing on the volume to keep, and the request is refused before anything is
 * frozen or snapshotted.
 */
class RedisSnapshotTest {
    private static final String INSTANCE = "i-0d1e2f3a4b5c60718";
    private static final String ZONE = "eu-west-1a";
    private static final String BUCKET = "redissnap";
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aSetTakenAtPersistenceLowRestoresToWhatWasWrittenBeforeIt() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "steward-redissnap-");
        try (S3TestServer s3 = S3TestServer.start();
             Ec2TestServer ec2 = Ec2TestServer.start(work.resolve("images"), work.resolve("by-id"))) {
            s3.createBucket(BUCKET);
            ec2.addInstance(INSTANCE, ZONE, "127.0.0.1");
            try (LocalCluster cluster = LocalCluster.start(options(s3, ec2, "low"))) {
                Node primary = cluster.awaitPrimary();
                primary.onRedis(redis -> redis.sync().set("before", "in the snapshot"));

                HttpResponse<String> taken = primary.post("/snapshot", "{\"retention\": \"daily\"}", Optional.of(LocalCluster.TOKEN));

                assertThat(taken.statusCode()).as(taken.body()).isEqualTo(201);
                String id = json.readTree(taken.body()).path("id").asText();
                primary.onRedis(redis -> redis.sync().set("after", "not in the snapshot"));
                await("the set complete").atMost(PATIENCE).pollInterval(Duration.ofMillis(250))
                        .until(() -> StreamSupport.stream(sets(primary).spliterator(), false)
                                .anyMatch(set -> set.path("id").asText().equals(id) && set.path("status").asText().equals("COMPLETED")));
                assertThat(Files.readString(primary.agentLog())).containsSubsequence(
                        "snapshot " + id + ": BGSAVE finished, dump.rdb is current", "freezing [" + primary.dataDir(),
                        "thawed [" + primary.dataDir());
                assertThat(ec2.snapshotIds()).hasSize(1);

                WalFixtures.Run refused = restoreWithTheCli(primary, ec2);
                assertThat(refused.exitCode()).as(refused.err()).isEqualTo(1);
                assertThat(refused.err()).contains("cannot start a server from a snapshot set's volumes yet; nothing was created");
                assertThat(ec2.calls("CreateVolume")).as("no volume made for a restore Steward cannot finish").isZero();

                Path restored = restore(ec2, ec2.snapshotIds().get(0), work.resolve("restored"));
                try {
                    Map<String, String> keys = readWithRedisServer(restored, "before", "after");
                    assertThat(keys).containsEntry("before", "in the snapshot").doesNotContainKey("after");
                } finally {
                    LoopFilesystem.run("umount", restored.toString());
                }
                String after = primary.onRedis(redis -> redis.sync().get("after"));
                assertThat(after).as("the node writes on").isEqualTo("not in the snapshot");
            }
        } finally {
            LoopFilesystem.run("rm", "-rf", work.toString());
        }
    }

    @Test
    void atPersistenceNoASetIsRefusedAndNothingIsFrozenOrSnapshotted() throws Exception {
        Path work = Files.createTempDirectory(Path.of("/tmp"), "steward-redissnap-no-");
        try (S3TestServer s3 = S3TestServer.start();
             Ec2TestServer ec2 = Ec2TestServer.start(work.resolve("images"), work.resolve("by-id"))) {
            s3.createBucket(BUCKET);
            ec2.addInstance(INSTANCE, ZONE, "127.0.0.1");
            try (LocalCluster cluster = LocalCluster.start(options(s3, ec2, "no"))) {
                Node primary = cluster.awaitPrimary();

                HttpResponse<String> refused = primary.post("/snapshot", "{\"retention\": \"daily\"}", Optional.of(LocalCluster.TOKEN));

                assertThat(refused.statusCode()).as(refused.body()).isGreaterThanOrEqualTo(400);
                assertThat(refused.body()).contains("redis.persistence is no");
                assertThat(Files.readString(primary.agentLog())).doesNotContain("freezing [");
                assertThat(ec2.snapshotIds()).isEmpty();
                assertThat(ec2.calls("CreateSnapshot")).isZero();
            }
        } finally {
            LoopFilesystem.run("rm", "-rf", work.toString());
        }
    }

    /** One Redis node at {@code persistence}, its data directory the root of an XFS volume attached as /dev/sdf. */
    private static LocalCluster.Options options(S3TestServer s3, Ec2TestServer ec2, String persistence) {
        String extraYaml = String.join("\n",
                "  persistence: " + persistence,
                "storage:",
                "  device_links: " + ec2.deviceLinks(),
                "backup:",
                "  wal:",
                WalFixtures.nestedWalSection(s3.endpoint(), BUCKET),
                "    socket: \"\"",
                "  snapshots:",
                "    schedule: off");
        return LocalCluster.Options.defaults().withDatabase(Database.REDIS).withNodes(1).withExtraYaml(extraYaml)
                .withEnvironment(Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY,
                        "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY,
                        "STEWARD_NODE_INSTANCE_ID", INSTANCE, "STEWARD_NODE_AVAILABILITY_ZONE", ZONE,
                        "STEWARD_AWS_REGION", "eu-west-1", "STEWARD_AWS_EC2_ENDPOINT", ec2.endpoint().toString()))
                .withStorage(nodeDir -> {
                    String volume = ec2.attachNewVolume(INSTANCE, "/dev/sdf", 4096);
                    LoopFilesystem.run("mkfs.xfs", "-q", "-f", ec2.loopDevice(volume));
                    Path data = Files.createDirectories(nodeDir.resolve("data"));
                    LoopFilesystem.run("mount", ec2.loopDevice(volume), data.toString());
                    LoopFilesystem.run("chown", "redis:redis", data.toString());
                    return () -> LoopFilesystem.run("umount", data.toString());
                });
    }

    /** {@code steward restore} with the node's configuration and what its agent has from its environment. */
    private static WalFixtures.Run restoreWithTheCli(Node node, Ec2TestServer ec2) {
        System.setProperty("aws.accessKeyId", S3TestServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3TestServer.SECRET_KEY);
        try {
            return WalFixtures.cli("restore", "--config", node.config().toString(), "--set", "node.instance_id=" + INSTANCE,
                    "--set", "node.availability_zone=" + ZONE, "--set", "aws.region=eu-west-1",
                    "--set", "aws.ec2.endpoint=" + ec2.endpoint());
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }

    /** A new volume from the snapshot, attached as /dev/sdg and mounted at {@code mountPoint}. */
    private static Path restore(Ec2TestServer ec2, String snapshotId, Path mountPoint) throws Exception {
        var client = ec2.client();
        String volumeId = client.createVolume(r -> r.snapshotId(snapshotId).availabilityZone(ZONE)).volumeId();
        await().atMost(PATIENCE).until(() -> client.describeVolumes(r -> r.volumeIds(volumeId)).volumes().get(0).state()
                == VolumeState.AVAILABLE);
        client.attachVolume(r -> r.volumeId(volumeId).instanceId(INSTANCE).device("/dev/sdg"));
        Files.createDirectories(mountPoint);
        // the original is still mounted, with the same XFS UUID
        LoopFilesystem.run("mount", "-o", "nouuid", ec2.loopDevice(volumeId), mountPoint.toString());
        return mountPoint;
    }

    /** Starts a redis-server of its own on {@code dir}'s dump.rdb, saving nothing, and reads {@code keys}. */
    private static Map<String, String> readWithRedisServer(Path dir, String... keys) throws Exception {
        int port = FreePorts.next();
        Process server = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--dbfilename", "dump.rdb", "--appendonly", "no", "--save", "",
                "--daemonize", "no").redirectErrorStream(true).redirectOutput(dir.getParent().resolve("restored-redis.log").toFile())
                .start();
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
                .withTimeout(Duration.ofSeconds(10)).build());
        try {
            StatefulRedisConnection<String, String> connection = await("the restored server listening").atMost(PATIENCE)
                    .ignoreExceptions().until(client::connect, Objects::nonNull);
            try (connection) {
                // a server still loading its dump answers LOADING
                await("the dump loaded").atMost(PATIENCE).ignoreExceptions().until(() -> "PONG".equals(connection.sync().ping()));
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
