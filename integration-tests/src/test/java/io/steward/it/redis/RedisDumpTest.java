package io.steward.it.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.sync.RedisCommands;
import io.steward.it.Database;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import io.steward.it.acceptance.InstalledSteward;
import io.steward.it.aws.S3TestServer;
import io.steward.store.BackupStoreConfig;
import io.steward.store.CompressionStreams;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * RDB dumps through running agents, against real redis-servers and a real local S3 (s3proxy): a dump taken with
 * {@code POST /dump} is archived compressed, checksummed and encrypted, and a fresh cluster started from it with
 * {@code redis.rdb} (latest, or the exact name) holds the same keys, values, types and expiries. Bad input changes
 * nothing: a malformed name is a configuration error naming {@code redis.rdb}, a name the archive lacks and a damaged
 * object fail the bootstrap and leave the data directory empty.
 */
@Timeout(600)
class RedisDumpTest {
    private static final String BUCKET = "redisdumps";
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DUMP_RACE_ATTEMPTS = 100;
    private static S3TestServer s3;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3TestServer.start();
        s3.createBucket(BUCKET);
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    @Test
    void aDumpRestoresIntoAFreshClusterWithIdenticalKeysValuesAndTypes() throws Exception {
        String sourceCluster;
        String name;
        Map<String, String> written;
        try (LocalCluster source = LocalCluster.start(options(1, Optional.empty(), Optional.empty()))) {
            sourceCluster = source.name();
            Node primary = source.awaitPrimary();
            writeKeysOfEveryType(primary);
            written = contents(primary);

            HttpResponse<String> taken = primary.post("/dump", "{}", Optional.of(LocalCluster.TOKEN));
            assertThat(taken.statusCode()).as(taken.body()).isEqualTo(201);
            JsonNode dump = JSON.readTree(taken.body());
            name = dump.path("name").asText();
            assertThat(name).matches("\\d{8}T\\d{6}\\.\\d{3}Z-redis1\\.rdb");
            assertThat(dump.path("retention").asText()).isEqualTo("MONTHLY");

            String key = "steward/" + sourceCluster + "/dumps/" + name + ".zst";
            assertThat(dump.path("key").asText()).isEqualTo(key);
            HeadObjectResponse object =
                    s3.client().headObject(r -> r.bucket(BUCKET).key(key));
            assertThat(object.metadata())
                    .containsEntry("steward-compression", "zstd")
                    .containsKey("steward-sha256")
                    .containsKey("steward-size");
            assertThat(object.serverSideEncryptionAsString()).isEqualTo("AES256");
            long size = Long.parseLong(object.metadata().get("steward-size"));
            assertThat(object.contentLength()).as("compressed").isLessThan(size);

            JsonNode listed = JSON.readTree(primary.get("/dumps").orElseThrow().body());
            assertThat(listed).extracting(entry -> entry.path("name").asText()).containsExactly(name);
            assertThat(primary.get("/metrics").orElseThrow().body())
                    .contains("steward_dumps_total 1.0")
                    .contains("steward_dump_last_size_bytes " + size + ".0")
                    .contains("steward_dump_failures_total 0.0");
            assertThat(Files.list(primary.dataDir()))
                    .as("nothing but Redis's own dump is left of the upload")
                    .noneMatch(file -> file.getFileName().toString().startsWith("steward-backup-"));
        }

        try (LocalCluster fresh = LocalCluster.start(options(2, Optional.of(sourceCluster), Optional.of("latest")))) {
            assertThat(contents(fresh.awaitPrimary())).isEqualTo(written);
            Node replica = fresh.nodes().stream()
                    .filter(Node::isStreamingReplica)
                    .findFirst()
                    .orElseThrow();
            await("the replica copied the restored dataset")
                    .atMost(PATIENCE)
                    .until(() -> contents(replica).equals(written));
            assertThat(Files.readString(replica.agentLog())).contains("redis.rdb latest is not used");
        }

        try (LocalCluster byName = LocalCluster.start(options(1, Optional.of(sourceCluster), Optional.of(name)))) {
            Node primary = byName.awaitPrimary();
            assertThat(contents(primary)).isEqualTo(written);
            primary.onRedis(redis -> redis.sync().set("after-restore", "writable"));
            Map<String, String> appendOnly =
                    primary.onRedis(redis -> redis.sync().configGet("appendonly"));
            assertThat(appendOnly)
                    .as("persistence normal: the append-only file is on again")
                    .containsEntry("appendonly", "yes");
            assertThat(primary.dataDir().resolve("appendonlydir")).isDirectory();
            assertThat(Files.readString(primary.agentLog())).contains("creating the cluster from dump " + name);
        }
    }

    /**
     * The agent runs as root and Redis's user owns dump.rdb: that user races link swaps against dumps, as a
     * compromised server could, and gains nothing. A root-only file never reaches S3, and every dump that fails says
     * why.
     */
    @Test
    @Timeout(180)
    void aDumpSwappedForALinkToARootOnlyFileNeverReachesTheArchive() throws Exception {
        Path secrets = Files.createTempDirectory(Path.of("/tmp"), "steward-dumprace-");
        String marker = "ROOT-ONLY-" + UUID.randomUUID();
        Path secret = Files.writeString(secrets.resolve("secret"), (marker + "\n").repeat(64));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path stop = secrets.resolve("stop");
        Path racer = secrets.resolve("swap_dump.py");
        try (InputStream script = getClass().getResourceAsStream("/dump-race/swap_dump.py")) {
            Files.write(racer, script.readAllBytes());
        }
        Files.setPosixFilePermissions(secrets, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(racer, PosixFilePermissions.fromString("rw-r--r--"));
        try (LocalCluster cluster = LocalCluster.start(options(1, Optional.empty(), Optional.empty()))) {
            Node primary = cluster.awaitPrimary();
            writeKeysOfEveryType(primary);
            // the racer's real dump to put back between its links
            assertThat(primary.post("/dump", "{}", Optional.of(LocalCluster.TOKEN))
                            .statusCode())
                    .isEqualTo(201);
            Process swapping = new ProcessBuilder(
                            "runuser",
                            "-u",
                            "redis",
                            "--",
                            "python3",
                            racer.toString(),
                            primary.dataDir().toString(),
                            secret.toString(),
                            stop.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();

            List<HttpResponse<String>> dumps = new ArrayList<>();
            for (int i = 0; i < DUMP_RACE_ATTEMPTS; i++) {
                dumps.add(primary.post("/dump", "{}", Optional.of(LocalCluster.TOKEN)));
            }
            Files.writeString(stop, "");

            assertThat(swapping.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long swaps = Long.parseLong(
                    new String(swapping.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            assertThat(swaps).as("the racer swapped while the dumps ran").isGreaterThan(DUMP_RACE_ATTEMPTS);
            for (HttpResponse<String> dump : dumps) {
                assertThat(dump.body()).doesNotContain(marker);
                if (dump.statusCode() != 201) {
                    assertThat(dump.body())
                            .as("a failed dump says why")
                            .contains("dump.rdb")
                            .containsAnyOf("is a symbolic link", "hard links", "belongs to user id");
                }
            }
            assertThat(dumps).as("some dumps won the race").anyMatch(dump -> dump.statusCode() == 201);
            String folder = "steward/" + cluster.name() + "/dumps/";
            List<S3Object> objects =
                    s3.client().listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix(folder)).contents().stream()
                            .toList();
            assertThat(objects).hasSizeGreaterThan(1);
            for (S3Object object : objects) {
                try (InputStream stored =
                                s3.client().getObject(r -> r.bucket(BUCKET).key(object.key()));
                        InputStream content =
                                CompressionStreams.decompressing(BackupStoreConfig.Compression.ZSTD, stored)) {
                    String dump = new String(content.readAllBytes(), StandardCharsets.ISO_8859_1);
                    assertThat(dump).as(object.key()).startsWith("REDIS").doesNotContain(marker);
                }
            }
        } finally {
            Files.writeString(stop, "");
            LocalCluster.deleteRecursively(secrets);
        }
    }

    @Test
    void aMalformedRdbNameIsAConfigurationErrorNamingTheKeyAndNothingIsTouched() throws Exception {
        try (LocalCluster cluster =
                LocalCluster.prepare(options(1, Optional.of("elsewhere"), Optional.of("dump.rdb")))) {
            Node node = cluster.nodes().get(0);
            InstalledSteward.CliRun validation = InstalledSteward.shared()
                    .run("validate-config", "--config", node.config().toString());

            assertThat(validation.exitCode()).as(validation.transcript()).isEqualTo(2);
            assertThat(validation.err())
                    .contains(
                            "redis.rdb",
                            "'dump.rdb' is not valid",
                            "latest, or the exact name of an " + "archived RDB dump");

            node.startAgent();
            await("the agent refuses its configuration")
                    .atMost(PATIENCE)
                    .until(() -> node.agentExitCode().isPresent());
            assertThat(node.agentExitCode()).hasValue(2);
            assertThat(Files.readString(node.agentLog())).contains("redis.rdb");
            assertThat(node.dataDir()).doesNotExist();
        }
    }

    @Test
    void aDumpTheArchiveLacksFailsTheBootstrapAndLeavesTheDataDirectoryEmpty() throws Exception {
        String missing = "20200101T000000.000Z-nobody.rdb";
        try (LocalCluster cluster =
                LocalCluster.prepare(options(1, Optional.of("no-such-cluster"), Optional.of(missing)))) {
            Node node = cluster.nodes().get(0);
            node.startAgent();

            await("the bootstrap names the missing dump")
                    .atMost(PATIENCE)
                    .until(() -> Files.readString(node.agentLog())
                            .contains("cannot create the cluster from dump " + missing + ": no dump " + missing
                                    + " in s3://" + BUCKET + "/steward/no-such-cluster/dumps/ (it holds none)"));
            assertThat(node.agentRunning()).isTrue();
            assertThat(cluster.primaries()).isEmpty();
            assertThat(node.dataDir()).doesNotExist();
        }
    }

    @Test
    void aDamagedDumpIsRefusedAndLeavesTheDataDirectoryEmpty() throws Exception {
        String damagedSource = "damaged-source";
        String name = "20250101T000000.000Z-redis1.rdb";
        byte[] body = "REDIS0010 not what was archived".getBytes(StandardCharsets.UTF_8);
        s3.client()
                .putObject(
                        r -> r.bucket(BUCKET)
                                .key("steward/" + damagedSource + "/dumps/" + name)
                                .metadata(Map.of(
                                        "steward-compression",
                                        "none",
                                        "steward-sha256",
                                        "0".repeat(64),
                                        "steward-size",
                                        Integer.toString(body.length))),
                        RequestBody.fromBytes(body));
        try (LocalCluster cluster =
                LocalCluster.prepare(options(1, Optional.of(damagedSource), Optional.of("latest")))) {
            Node node = cluster.nodes().get(0);
            node.startAgent();

            await("the damaged dump is refused")
                    .atMost(PATIENCE)
                    .until(() -> Files.readString(node.agentLog())
                            .contains("refusing to restore dump " + name + " from s3://" + BUCKET + "/steward/"
                                    + damagedSource + "/dumps/" + name + ": the content has SHA-256"));
            assertThat(Files.readString(node.agentLog())).contains("the object was damaged or changed");
            assertThat(cluster.primaries()).isEmpty();
            assertThat(node.dataDir()).doesNotExist();
            // the agent tries again every tick; a try under way has its hidden .fetching file, deleted when it fails
            try (var files =
                    Files.list(node.config().getParent().resolve("state").resolve("bootstrap-dump"))) {
                assertThat(files.filter(file -> !file.getFileName().toString().startsWith(".")))
                        .as("no damaged dump left to start from")
                        .isEmpty();
            }
        }
        List<S3Object> left = s3.client()
                .listObjectsV2(r -> r.bucket(BUCKET).prefix("steward/" + damagedSource))
                .contents();
        assertThat(left).as("the archive is only read").hasSize(1);
    }

    /**
     * @param cloneSource the cluster whose dumps a new one starts from ({@code bootstrap.mode: clone})
     * @param rdb {@code redis.rdb}
     */
    private static LocalCluster.Options options(int nodes, Optional<String> cloneSource, Optional<String> rdb) {
        StringBuilder yaml = new StringBuilder("  persistence: normal\n");
        rdb.ifPresent(dump -> yaml.append("  rdb: \"").append(dump).append("\"\n"));
        cloneSource.ifPresent(source -> yaml.append("bootstrap:\n  mode: clone\n  source: ")
                .append(source)
                .append('\n'));
        yaml.append(String.join(
                "\n",
                "backup:",
                "  store:",
                "    bucket: " + BUCKET,
                "    endpoint: " + s3.endpoint(),
                "    path_style: true",
                "    region: " + S3TestServer.REGION,
                "  dumps:",
                "    schedule: off"));
        return LocalCluster.Options.defaults()
                .withDatabase(Database.REDIS)
                .withNodes(nodes)
                .withExtraYaml(yaml.toString())
                .withEnvironment(Map.of(
                        "AWS_ACCESS_KEY_ID",
                        S3TestServer.ACCESS_KEY,
                        "AWS_SECRET_ACCESS_KEY",
                        S3TestServer.SECRET_KEY));
    }

    private static void writeKeysOfEveryType(Node primary) {
        primary.onRedis(redis -> {
            RedisCommands<String, String> sync = redis.sync();
            sync.set("string", "plain value");
            sync.set("unicode", "grüße ☃");
            sync.hset("hash", Map.of("field1", "one", "field2", "two"));
            sync.rpush("list", "c", "a", "b", "a");
            sync.sadd("set", "x", "y", "z");
            sync.zadd("zset", ScoredValue.just(1.5, "low"), ScoredValue.just(10, "high"));
            sync.setex("expiring", 3600, "for an hour");
            for (int i = 0; i < 500; i++) {
                sync.set("bulk:" + i, "value " + i + " ".repeat(i % 50));
            }
            return null;
        });
    }

    /** Every key with its type, its value in a canonical form, and whether it expires. */
    private static Map<String, String> contents(Node node) {
        return node.onRedis(redis -> {
            RedisCommands<String, String> sync = redis.sync();
            Map<String, String> all = new TreeMap<>();
            for (String key : sync.keys("*")) {
                String type = sync.type(key);
                String value = switch (type) {
                    case "string" -> sync.get(key);
                    case "hash" -> new TreeMap<>(sync.hgetall(key)).toString();
                    case "list" -> sync.lrange(key, 0, -1).toString();
                    case "set" -> new java.util.TreeSet<>(sync.smembers(key)).toString();
                    case "zset" -> sync.zrangeWithScores(key, 0, -1).toString();
                    default -> "unexpected type";
                };
                all.put(key, type + " " + value + (sync.ttl(key) > 0 ? " expiring" : ""));
            }
            return all;
        });
    }
}
