package io.steward.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.ClientConnections;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.Engine;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineContext;
import io.steward.engine.ManagedMembership;
import io.steward.engine.VolumeSnapshots;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the plugin declares of a MongoDB engine, known from its settings alone, and that the engine has it. */
class MongoPluginTest {

    private static ConfiguredEngine configured(String role, Path stateDir) {
        ObjectNode section =
                new ObjectMapper().createObjectNode().put("replica_set", "rs0").put("role", role);
        ConfigProblems problems = new ConfigProblems();
        ConfiguredEngine configured = new MongoPlugin()
                .configure(new EngineContext(
                        "m1", "10.0.0.1", new Settings("mongodb", section, problems), stateDir, new MetricRegistry()));
        assertThat(problems.list()).isEmpty();
        return configured;
    }

    @Test
    void theSetElectsItsPrimaryAndOnlyADataMemberThatMayLeadCreatesIt(@TempDir Path stateDir) {
        EngineCapabilities active = configured("active", stateDir).capabilities();

        assertThat(active.electsOwnPrimary()).isTrue();
        assertThat(active.capabilities())
                .containsExactlyInAnyOrder(ManagedMembership.class, VolumeSnapshots.class, ClientConnections.class);
        assertThat(active.mayCreateCluster()).isTrue();
        assertThat(configured("arbiter", stateDir).capabilities().mayCreateCluster())
                .isFalse();
        assertThat(configured("hidden", stateDir).capabilities().mayCreateCluster())
                .isFalse();
    }

    @Test
    void theBuiltEngineHasWhatWasDeclared(@TempDir Path stateDir) {
        try (Engine engine = configured("active", stateDir).create()) {
            assertThat(engine.capability(ManagedMembership.class)).isPresent();
        }
    }
}
