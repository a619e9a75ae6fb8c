package io.steward.engine;

import io.steward.progress.Progress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What every database plugin does for the core: look at the local server, say where it is reached, stop it. The rest
 * an engine can do comes as {@link Capability capabilities}, which an engine has only when the database has them and
 * which the core asks for with {@link #capability}; its plugin declares them beforehand ({@link EngineCapabilities}).
 *
 * <p>The core decides, the engine acts: an engine never talks to ZooKeeper and never decides on its own to promote
 * or demote. Every action is synchronous and returns once the server is in the asked-for state, or throws
 * {@link EngineException} naming what failed. Actions are idempotent: asking for the state the server is already
 * in does nothing.
 */
public interface Engine extends AutoCloseable {

    /** Looks at the local server. Never throws; a failure is reported in {@link EngineStatus#problem()}. */
    EngineStatus probe();

    /** Where other members and clients reach this server. */
    Endpoint endpoint();

    /**
     * Stops the server cleanly, or takes the node out of its cluster the database's own way (a primary lets its
     * replicas receive everything it wrote first).
     */
    void stop();

    /** The operating-system user the server runs as, and so its archive and restore commands. */
    String serverUser();

    /**
     * Every directory that holds this server's data (the data directory, and its log directory and
     * tablespaces where they live elsewhere), resolved: the volumes under them make up a snapshot set. Empty for a
     * database whose volumes are not its backup (a search cluster, backed up by its own snapshot API).
     */
    List<Path> dataPaths();

    /**
     * What the database says of its cluster beyond role and health, for {@code GET /health} (a search cluster:
     * its status, nodes, unassigned shards and elected master), as of the last probe; empty when it says nothing
     * more.
     */
    default Map<String, Object> healthDetails() {
        return Map.of();
    }

    /**
     * Long work the engine is doing now for the HA loop, which waits on it (a replica's copy of the primary), read
     * live: the loop's last {@link #probe()} is as old as the work. Empty when there is none.
     */
    default Optional<Progress> activity() {
        return Optional.empty();
    }

    /**
     * This engine's {@code type} capability, when it has it: by default the engine itself, when it implements the
     * interface. An engine whose capability depends on its configuration (a snapshot repository configured or not)
     * answers from what it was configured with. Exactly the capabilities its plugin declared are found.
     */
    default <C extends Capability> Optional<C> capability(Class<C> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    /** Releases connections and helpers; does not stop the server. Nothing to release by default. */
    @Override
    default void close() {}
}
