package io.steward.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.ClientConnections;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.NativeBackup;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the plugin declares of an Elasticsearch engine, known from its settings alone, and that the engine has it. */
class ElasticsearchPluginTest {

    private static ConfiguredEngine configured(ObjectNode section, Path stateDir) {
        ConfigProblems problems = new ConfigProblems();
        ConfiguredEngine configured = new ElasticsearchPlugin()
                .configure(new EngineContext(
                        "es1",
                        "10.0.0.1",
                        new Settings("elasticsearch", section, problems),
                        stateDir,
                        new MetricRegistry()));
        assertThat(problems.list()).isEmpty();
        return configured;
    }

    @Test
    void theClusterElectsItsMasterAndStewardOnlyObservesIt(@TempDir Path stateDir) {
        ConfiguredEngine configured = configured(new ObjectMapper().createObjectNode(), stateDir);

        assertThat(configured.capabilities().electsOwnPrimary()).isTrue();
        assertThat(configured.capabilities().capabilities()).containsExactly(ClientConnections.class);
        assertThat(configured.capabilities().mayCreateCluster()).isFalse();
        try (Engine engine = configured.create()) {
            assertThat(engine.capability(NativeBackup.class)).isEmpty();
        }
    }

    @Test
    void aConfiguredRepositoryIsItsNativeBackup(@TempDir Path stateDir) {
        ObjectNode section = new ObjectMapper().createObjectNode();
        section.putObject("snapshots").put("type", "fs").putObject("settings").put("location", "/mnt/backups");
        ConfiguredEngine configured = configured(section, stateDir);

        assertThat(configured.capabilities().capabilities())
                .containsExactlyInAnyOrder(NativeBackup.class, ClientConnections.class);
        try (Engine engine = configured.create()) {
            assertThat(engine.capability(NativeBackup.class)).isPresent();
        }
    }
}
