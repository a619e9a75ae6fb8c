package io.steward.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.testing.RecordingUserDataTarget;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RedisUserDataTest {
    @Test
    void theBooksRedisKeysGoToTheRedisSectionWithUnderscoresWhateverTheEngine() throws Exception {
        ObjectNode userData = (ObjectNode) new ObjectMapper().readTree("""
                {"name": "kate", "persistence": "normal", "monitoring": "on", "maxmemory": "on",
                 "maxmemory-policy": "noeviction", "logging": "warning", "snapshot": "snap-1", "rdb": "latest"}
                """);
        RecordingUserDataTarget target = new RecordingUserDataTarget();

        new RedisPlugin().userData().translate(userData, Optional.of("postgresql"), target);

        assertThat(target.values)
                .isEqualTo(Map.of(
                        "redis.persistence",
                        "normal",
                        "redis.maxmemory",
                        "on",
                        "redis.maxmemory_policy",
                        "noeviction",
                        "redis.logging",
                        "warning",
                        "redis.snapshot",
                        "snap-1",
                        "redis.rdb",
                        "latest"));
        assertThat(target.origins).containsEntry("redis.maxmemory_policy", List.of("maxmemory-policy"));
        assertThat(target.claimed)
                .as("the node's name and monitoring are the core's")
                .isEmpty();
        assertThat(target.problems).isEmpty();
        assertThat(new RedisPlugin().userData().keys())
                .containsExactly("persistence", "maxmemory", "maxmemory-policy", "logging", "snapshot", "rdb");
    }
}
