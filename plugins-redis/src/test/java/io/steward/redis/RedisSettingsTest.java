package io.steward.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.DumpSelector;
import io.steward.engine.Endpoint;
import io.steward.engine.EngineContext;
import io.steward.engine.ReplicationStyle.Topology;
import io.steward.settings.ConfigProblem;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the redis: section (the book's user-data keys among it) and the redis.conf written from it. */
class RedisSettingsTest {
    private final ObjectMapper json = new ObjectMapper();
    private final ConfigProblems problems = new ConfigProblems();

    private RedisSettings read(ObjectNode section) {
        return RedisSettings.read(new EngineContext(
                "n1",
                "10.0.0.1",
                new Settings("redis", section, problems),
                Path.of("/var/lib/steward"),
                new MetricRegistry()));
    }

    private ObjectNode section() {
        return json.createObjectNode().put("data_dir", "/var/lib/redis/steward");
    }

    @Test
    void everyBadValueIsReportedByKeyAndNothingIsTouched(@TempDir Path stateDir) {
        ObjectNode section = json.createObjectNode()
                .put("persistence", "sometimes")
                .put("maxmemory_policy", "allkeys-oldest")
                .put("maxmemory", "lots")
                .put("logging", "loud")
                .put("port", "0")
                .put("rdb", "dump-2026-11-30.rdb")
                .put("password", "two words");
        Settings settings = new Settings("redis", section, problems);

        new RedisPlugin()
                .configure(
                        new EngineContext("n1", "10.0.0.1", settings, stateDir.resolve("state"), new MetricRegistry()));

        assertThat(problems.list())
                .extracting(ConfigProblem::key)
                .containsExactlyInAnyOrder(
                        "redis.data_dir",
                        "redis.persistence",
                        "redis.maxmemory_policy",
                        "redis.maxmemory",
                        "redis.logging",
                        "redis.port",
                        "redis.rdb",
                        "redis.password");
        assertThat(problems.list())
                .filteredOn(p -> p.key().equals("redis.persistence"))
                .singleElement()
                .asString()
                .contains("sometimes")
                .contains("no, low, normal, high");
        assertThat(problems.list())
                .filteredOn(p -> p.key().equals("redis.maxmemory_policy"))
                .singleElement()
                .asString()
                .contains("allkeys-oldest")
                .contains("volatile-ttl");
        assertThat(problems.list())
                .filteredOn(p -> p.key().equals("redis.password"))
                .singleElement()
                .asString()
                .doesNotContain("two words");
        assertThat(stateDir.resolve("state")).doesNotExist();
    }

    @Test
    void defaultsAreTheBooksNormalPersistenceWithoutAMemoryLimit() {
        RedisSettings settings = read(section());

        assertThat(problems.list()).isEmpty();
        assertThat(settings.persistence()).isEqualTo(RedisSettings.Persistence.NORMAL);
        assertThat(settings.maxmemoryBytes()).isZero();
        assertThat(settings.maxmemoryPolicy()).isEqualTo("noeviction");
        assertThat(settings.port()).isEqualTo(6379);
        assertThat(settings.listenAddress()).isEqualTo("10.0.0.1");
        assertThat(settings.osUser()).isEqualTo("redis");
        assertThat(settings.logLevel()).isEqualTo("warning");
    }

    @Test
    void topologyIsAStarUnlessTheBooksChainIsAskedFor() {
        assertThat(read(section()).topology()).isEqualTo(Topology.STAR);
        assertThat(read(section().put("topology", "chain")).topology()).isEqualTo(Topology.CHAIN);
        assertThat(problems.list()).isEmpty();

        read(section().put("topology", "ring"));

        assertThat(problems.list())
                .singleElement()
                .asString()
                .contains("redis.topology")
                .contains("ring")
                .contains("star, chain");
    }

    @Test
    void yamlReadsAnUnquotedNoAsFalseWhichMeansPersistenceNo() {
        assertThat(read(section().put("persistence", false)).persistence()).isEqualTo(RedisSettings.Persistence.NO);
        assertThat(read(section().put("persistence", "HIGH")).persistence()).isEqualTo(RedisSettings.Persistence.HIGH);
        assertThat(problems.list()).isEmpty();
    }

    @Test
    void maxmemoryOnIsSixtyPercentOfThisMachinesMemory() {
        long expected = (long) (RedisSettings.physicalMemoryBytes() * 0.6);

        assertThat(read(section().put("maxmemory", "on")).maxmemoryBytes()).isEqualTo(expected);
        assertThat(read(section().put("maxmemory", true)).maxmemoryBytes()).isEqualTo(expected);
        assertThat(read(section().put("maxmemory", "2GB")).maxmemoryBytes()).isEqualTo(2L << 30);
        assertThat(read(section().put("maxmemory", "off")).maxmemoryBytes()).isZero();
        assertThat(problems.list()).isEmpty();
        assertThat(expected).isGreaterThan(0);
    }

    @Test
    void eachPersistenceLevelWritesItsServerSettings() {
        assertThat(conf("no")).contains("save \"\"", "appendonly no").doesNotContain("appendfsync everysec");
        assertThat(conf("low")).contains("save " + RedisConfig.SAVE_POINTS, "appendonly no");
        assertThat(conf("normal"))
                .contains("save " + RedisConfig.SAVE_POINTS, "appendonly yes", "appendfsync everysec");
        assertThat(conf("high")).contains("save " + RedisConfig.SAVE_POINTS, "appendonly yes", "appendfsync always");
    }

    @Test
    void onlyAReplicaNamesAPrimaryAndThePasswordAuthenticatesReplicationToo() {
        RedisSettings settings = read(
                section().put("password", "s3cret").put("maxmemory", "1GB").put("maxmemory_policy", "allkeys-lru"));

        List<String> primary = RedisConfig.lines(settings, Optional.empty());
        List<String> replica = RedisConfig.lines(settings, Optional.of(new Endpoint("10.0.0.2", 6380)));

        assertThat(primary).noneMatch(line -> line.startsWith("replicaof"));
        assertThat(replica).contains("replicaof 10.0.0.2 6380");
        assertThat(primary)
                .contains(
                        "requirepass \"s3cret\"",
                        "masterauth \"s3cret\"",
                        "maxmemory " + (1L << 30),
                        "maxmemory-policy allkeys-lru",
                        "bind 10.0.0.1",
                        "port 6379",
                        "dir /var/lib/redis/steward",
                        "repl-diskless-sync-delay 0");
        assertThat(settings.toString()).doesNotContain("s3cret");
    }

    @Test
    void rdbIsLatestOrTheExactNameOfAnArchivedDump() {
        assertThat(read(section()).rdb()).isEmpty();
        assertThat(read(section().put("rdb", "latest")).rdb()).contains(new DumpSelector.Latest());
        assertThat(read(section().put("rdb", "20261122T101500.123Z-redis1.rdb")).rdb())
                .get()
                .asString()
                .isEqualTo("20261122T101500.123Z-redis1.rdb");
        assertThat(problems.list()).isEmpty();

        for (String malformed : List.of(
                "LATEST",
                "s3://b/dump.rdb",
                "20261122T101500Z-redis1.rdb",
                "20261122T101500.123Z-redis1.rdb.zst",
                "20261322T101500.123Z-redis1.rdb",
                "20261122T101500.123Z-.rdb")) {
            ConfigProblems own = new ConfigProblems();
            RedisSettings settings = RedisSettings.read(new EngineContext(
                    "n1",
                    "10.0.0.1",
                    new Settings("redis", section().put("rdb", malformed), own),
                    Path.of("/var/lib/steward"),
                    new MetricRegistry()));
            assertThat(settings.rdb()).as(malformed).isEmpty();
            assertThat(own.list()).as(malformed).singleElement().satisfies(problem -> {
                assertThat(problem.key()).isEqualTo("redis.rdb");
                assertThat(problem.toString()).contains(malformed, "latest", "20261122T101500.123Z-node1.rdb");
            });
        }
    }

    @Test
    void aDumpIsLoadedWithoutTheAppendOnlyFileWhichIsTurnedOnAfterwards() {
        RedisSettings settings = read(section().put("persistence", "high"));

        assertThat(RedisConfig.linesLoadingDump(settings))
                .contains("appendonly no", "save " + RedisConfig.SAVE_POINTS)
                .noneMatch(line -> line.startsWith("replicaof"));
    }

    private List<String> conf(String persistence) {
        return RedisConfig.lines(read(section().put("persistence", persistence)), Optional.empty());
    }

    @Test
    void thePasswordComesFromAFileOnlyTheAgentsUserCanRead(@TempDir Path dir) throws Exception {
        Path password = Files.writeString(dir.resolve("redis-password"), "from-the-file\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));

        assertThat(read(section().put("password_file", password.toString())).password())
                .contains("from-the-file");
        assertThat(problems.list()).isEmpty();

        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r-----"));
        read(section().put("password_file", password.toString()));
        assertThat(problems.list()).singleElement().satisfies(problem -> {
            assertThat(problem.key()).isEqualTo("redis.password_file");
            assertThat(problem.allowed())
                    .contains("readable by it alone (chmod 600)")
                    .contains("has mode rw-r-----");
        });
    }
}
