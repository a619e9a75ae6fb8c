package io.steward.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.ClientConnections;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.DumpSelector;
import io.steward.engine.Dumps;
import io.steward.engine.Engine;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineContext;
import io.steward.engine.LeaseElected;
import io.steward.engine.ReplayDelay;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.VolumeSnapshots;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the plugin declares of a Redis engine, known from its settings alone, and that the engine has it. */
class RedisPluginTest {

    private static ConfiguredEngine configured(ObjectNode section, Path stateDir) {
        ConfigProblems problems = new ConfigProblems();
        ConfiguredEngine configured = new RedisPlugin()
                .configure(new EngineContext(
                        "n1", "10.0.0.1", new Settings("redis", section, problems), stateDir, new MetricRegistry()));
        assertThat(problems.list()).isEmpty();
        return configured;
    }

    private static ObjectNode section() {
        return new ObjectMapper().createObjectNode().put("data_dir", "/var/lib/redis/steward");
    }

    @Test
    void stewardElectsThePrimaryOfAStarByPriorityWithoutRestartingACrashedOneInPlace(@TempDir Path stateDir) {
        EngineCapabilities declared = configured(section(), stateDir).capabilities();

        assertThat(declared.replicationStyle())
                .contains(new ReplicationStyle(
                        ReplicationStyle.Topology.STAR, ReplicationStyle.CandidateOrder.PRIORITY_FIRST, false));
        assertThat(declared.capabilities())
                .containsExactlyInAnyOrder(
                        LeaseElected.class,
                        VolumeSnapshots.class,
                        Dumps.class,
                        ReplayDelay.class,
                        ClientConnections.class);
        assertThat(declared.bootstrapDump()).isEmpty();
    }

    @Test
    void theBooksChainAndStartingDumpAreDeclared(@TempDir Path stateDir) {
        EngineCapabilities declared = configured(
                        section().put("topology", "chain").put("rdb", "latest"), stateDir)
                .capabilities();

        assertThat(declared.replicationStyle().orElseThrow().topology()).isEqualTo(ReplicationStyle.Topology.CHAIN);
        assertThat(declared.bootstrapDump()).containsInstanceOf(DumpSelector.Latest.class);
    }

    @Test
    void theBuiltEngineHasWhatWasDeclared(@TempDir Path stateDir) {
        try (Engine engine = configured(section(), stateDir).create()) {
            assertThat(engine.capability(Dumps.class)).isPresent();
        }
    }
}
