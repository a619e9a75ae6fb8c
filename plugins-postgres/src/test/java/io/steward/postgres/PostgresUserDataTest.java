package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.config.ConfigLoader;
import io.steward.testing.RecordingUserDataTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresUserDataTest {
    /** The agent's test plugin: another engine than PostgreSQL. */
    private static final String TESTENGINE = """
            cluster: db.example.net
            engine: testengine
            node: {name: db01, host: 10.0.0.5}
            zookeeper: {connect: "zk1:2181,zk2:2181", digest_user: steward, digest_password: zk-secret}
            aws: {imds: off}
            testengine: {data_dir: /var/lib/test}
            """;

    @TempDir
    Path dir;

    private static RecordingUserDataTarget translate(String json) throws Exception {
        RecordingUserDataTarget target = new RecordingUserDataTarget();
        new PostgresPlugin()
                .userData()
                .translate((ObjectNode) new ObjectMapper().readTree(json), Optional.empty(), target);
        return target;
    }

    @Test
    void slowBecomesLogMinDurationStatementInWholeMilliseconds() throws Exception {
        RecordingUserDataTarget slow = translate("{\"slow\": \"500\"}");
        RecordingUserDataTarget words = translate("{\"slow\": \"half a second\"}");
        RecordingUserDataTarget fraction = translate("{\"slow\": 1.5}");

        assertThat(slow.values).isEqualTo(Map.of("postgresql.parameters.log_min_duration_statement", "500"));
        assertThat(slow.origins).containsEntry("postgresql.parameters.log_min_duration_statement", List.of("slow"));
        String allowed = "a slow-query threshold in whole milliseconds from 0 to 2147483647, e.g. \"500\"";
        assertThat(words.problems).containsExactly("slow: half a second: " + allowed);
        assertThat(fraction.problems).containsExactly("slow: 1.5: " + allowed);
        assertThat(words.values).isEmpty();
    }

    @Test
    void aBookPostgresqlNodeNeedsThePostgresqlEngine() throws Exception {
        Path config = Files.writeString(dir.resolve("steward.yml"), TESTENGINE);
        Path userData = Files.writeString(dir.resolve("ud.json"), "{\"slow\": \"500\"}");

        assertThatThrownBy(() -> ConfigLoader.load(new ConfigLoader.Sources(
                        Optional.of(config), Optional.of(userData), false, Map.of(), Map.of())))
                .hasMessageContaining("postgresql (from user data file " + userData
                        + " key 'slow'): '{...}' is not valid; " + "section postgresql given but engine is testengine");
    }

    @Test
    void theSectionOfAnotherInstalledEngineIsAProblem() throws Exception {
        Path config = Files.writeString(dir.resolve("steward.yml"), TESTENGINE + "postgresql:\n  port: 5433\n");

        assertThatThrownBy(() -> ConfigLoader.load(
                        new ConfigLoader.Sources(Optional.of(config), Optional.empty(), false, Map.of(), Map.of())))
                .hasMessageContaining("postgresql (from config file " + config + "): '{...}' is not valid; section "
                        + "postgresql given but engine is testengine");
    }
}
