package io.steward.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.BackupSection;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EnginePlugin;
import io.steward.engine.ReplicationStyle;
import io.steward.engine.UserDataKeys;
import io.steward.engine.UserDataTarget;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plugin for tests: reads {@code data_dir} (required), {@code port}, {@code synchronous_standby} (whether it
 * plays an engine whose primary can wait for a named replica) and {@code seeds_replicas} (whether it starts replicas
 * from snapshot sets) from its section, the way a real plugin does, and counts engines created and closed so that tests can check validation leaves nothing open.
 * Like a plugin with an archive of its own, it reads {@code backup.archive} ({@code socket}, which held the backup
 * store's keys before {@code backup.store}), and its commands read {@link #COMMAND_VARIABLE}. Of the book's user data
 * it reads {@code flavour}, into its own section.
 */
public class TestEnginePlugin implements EnginePlugin {
    public static final AtomicInteger CREATED = new AtomicInteger();
    public static final AtomicInteger CLOSED = new AtomicInteger();

    /** What the last {@link #create} read. */
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
    public Engine create(EngineContext context) {
        Settings settings = context.settings();
        String dataDir = settings.requiredString("data_dir", "the data directory, an absolute path");
        lastDataDir = dataDir.isEmpty() ? null : Path.of(dataDir);
        lastPort = settings.integer("port", 5432, 1, 65535);
        ReplicationStyle style = new ReplicationStyle(ReplicationStyle.Topology.STAR,
                ReplicationStyle.CandidateOrder.MOST_ADVANCED_FIRST, true, settings.bool("synchronous_standby", true));
        boolean seedsReplicas = settings.bool("seeds_replicas", true);
        CREATED.incrementAndGet();
        // only close() may be called during validation; anything else touching the server is a test failure
        return (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        CLOSED.incrementAndGet();
                        return null;
                    }
                    if (method.getName().equals("bootstrapDump")) {
                        return java.util.Optional.empty();
                    }
                    if (method.getName().equals("replicationStyle")) {
                        return style;
                    }
                    if (method.getName().equals("restoresFromSnapshotSets")) {
                        return seedsReplicas;
                    }
                    throw new UnsupportedOperationException("validation must not call " + method.getName());
                });
    }
}
