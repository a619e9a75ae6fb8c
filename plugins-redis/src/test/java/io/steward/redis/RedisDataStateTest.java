package io.steward.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.steward.engine.DataState;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineStatus;
import io.steward.engine.Role;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a stopped node's data directory means to the core: no server runs here, only the files are looked at. */
@Timeout(30)
class RedisDataStateTest {

    private static RedisEngine engineFor(Path dataDir) {
        Settings section = new Settings(
                "redis",
                new ObjectMapper()
                        .createObjectNode()
                        .put("data_dir", dataDir.toString())
                        .put("port", 1),
                new ConfigProblems());
        EngineContext context =
                new EngineContext("n1", "127.0.0.1", section, dataDir.resolveSibling("state"), new MetricRegistry());
        return new RedisEngine(context, RedisSettings.read(context));
    }

    @Test
    void aMissingDataDirectoryIsEmptyAndMayBeCloned(@TempDir Path root) {
        try (RedisEngine engine = engineFor(root.resolve("data"))) {
            EngineStatus status = engine.probe();
            assertThat(status.role()).isEqualTo(Role.STOPPED);
            assertThat(status.dataState()).isEqualTo(DataState.EMPTY);
        }
    }

    @Test
    void aDumpStewardDidNotWriteIsNeverClonedOver(@TempDir Path root) throws Exception {
        Path data = Files.createDirectories(root.resolve("data"));
        Files.writeString(data.resolve("dump.rdb"), "REDIS0011");
        try (RedisEngine engine = engineFor(data)) {
            EngineStatus status = engine.probe();
            assertThat(status.dataState()).isEqualTo(DataState.INVALID);
            assertThat(status.problem())
                    .get()
                    .asString()
                    .contains("did not create")
                    .contains("reinitialise");
        }
        assertThat(data.resolve("dump.rdb")).hasContent("REDIS0011");
    }

    @Test
    void aFinishedMemberIsValid(@TempDir Path root) throws Exception {
        Path data = Files.createDirectories(root.resolve("data"));
        Files.writeString(data.resolve(RedisDataDirectory.MEMBER_MARKER), "member\n");
        Files.writeString(data.resolve("dump.rdb"), "REDIS0011");
        try (RedisEngine engine = engineFor(data)) {
            assertThat(engine.probe().dataState()).isEqualTo(DataState.VALID);
        }
    }
}
