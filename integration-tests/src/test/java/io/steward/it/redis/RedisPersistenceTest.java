package io.steward.it.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.it.Database;
import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 4 (e): each of the book's persistence levels reaches the running redis-server's settings. */
class RedisPersistenceTest {

    @ParameterizedTest(name = "persistence {0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "no     | ''                      | no  | everysec",
                "low    | 3600 1 300 100 60 10000 | no  | everysec",
                "normal | 3600 1 300 100 60 10000 | yes | everysec",
                "high   | 3600 1 300 100 60 10000 | yes | always"
            })
    void eachLevelSetsTheServersSaveAndAppendOnlySettings(String level, String save, String appendOnly, String fsync)
            throws Exception {
        LocalCluster.Options options = LocalCluster.Options.defaults()
                .withDatabase(Database.REDIS)
                .withNodes(1)
                .withExtraYaml(String.join(
                        "\n", "  persistence: " + level, "  maxmemory: 64MB", "  maxmemory_policy: allkeys-lru"));
        try (LocalCluster cluster = LocalCluster.start(options)) {
            Node primary = cluster.awaitPrimary();
            Map<String, String> config = primary.onRedis(redis ->
                    redis.sync().configGet("save", "appendonly", "appendfsync", "maxmemory", "maxmemory-policy"));

            assertThat(config)
                    .containsEntry("save", save)
                    .containsEntry("appendonly", appendOnly)
                    .containsEntry("appendfsync", fsync)
                    .containsEntry("maxmemory", Long.toString(64L << 20))
                    .containsEntry("maxmemory-policy", "allkeys-lru");
        }
    }
}
