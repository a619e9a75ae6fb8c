package io.steward.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.BackupSection;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.SnapshotRecovery;
import io.steward.engine.SynchronousStandbys;
import io.steward.engine.UserDataKeys;
import io.steward.engine.UserDataTarget;
import io.steward.settings.Settings;
import io.steward.store.BackupStoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plugin for tests: reads {@code data_dir} (required), {@code port}, {@code synchronous_standby} (whether it
 * plays an engine whose primary can wait for a named replica) and {@code seeds_replicas} (whether it starts replicas
 * from snapshot sets) from its section, the way a real plugin does, and counts the engines it builds, so that tests
 * can check validation builds none. Like a plugin with an archive of its own, it reads {@code backup.archive}
 * ({@code socket}, which held the backup store's keys before {@code backup.store}), and its commands read
 * {@link #COMMAND_VARIABLE}. Of the book's user data it reads {@code flavour}, into its own section.
 */
public class TestEnginePlugin implements EnginePlugin {
    public static final AtomicInteger BUILT = new AtomicInteger();

    /** What the last {@link #configure} read. */
    public static volatile Path lastDataDir;

    public static volatile int lastPort;
    public static final String COMMAND_VARIABLE = "STEWARD_TEST_SOCKET";

    @Override
    public String name() {
        return "testengine";
    }

    @Override
    public UserDataKeys userData() {
        return new UserDataKeys() {
            @Override
            public List<String> keys() {
                return List.of("flavour");
            }

            @Override
            public void translate(ObjectNode userData, Optional<String> engine, UserDataTarget target) {
                if (userData.has("flavour")) {
                    target.put("testengine.flavour", userData.get("flavour"), "flavour");
                }
            }
        };
    }

    @Override
    public Set<String> commandVariables() {
        return Set.of(COMMAND_VARIABLE);
    }

    @Override
    public List<BackupSection> backupSections() {
        return List.of(new BackupSection() {
            @Override
            public String name() {
                return "archive";
            }

            @Override
            public boolean heldStoreKeys() {
                return true;
            }

            @Override
            public void check(Settings section, Optional<BackupStoreConfig> store) {
                section.bool("enabled", true);
                section.optionalString("socket");
            }
        });
    }

    @Override
    public ConfiguredEngine configure(EngineContext context) {
        Settings settings = context.settings();
        String dataDir = settings.requiredString("data_dir", "the data directory, an absolute path");
        lastDataDir = dataDir.isEmpty() ? null : Path.of(dataDir);
        lastPort = settings.integer("port", 5432, 1, 65535);
        EngineCapabilities capabilities = EngineCapabilities.electedBySteward(new ReplicationStyle(
                ReplicationStyle.Topology.STAR, ReplicationStyle.CandidateOrder.MOST_ADVANCED_FIRST, true));
        if (settings.bool("synchronous_standby", true)) {
            capabilities = capabilities.with(SynchronousStandbys.class);
        }
        if (settings.bool("seeds_replicas", true)) {
            capabilities = capabilities.with(SnapshotRecovery.class);
        }
        return new ConfiguredEngine(capabilities, () -> {
            BUILT.incrementAndGet();
            throw new UnsupportedOperationException("the test engine is never built");
        });
    }
}
