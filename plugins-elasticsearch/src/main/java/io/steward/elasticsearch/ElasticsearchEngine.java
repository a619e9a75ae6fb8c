package io.steward.elasticsearch;

import io.steward.engine.Capability;
import io.steward.engine.ClientConnections;
import io.steward.engine.DataState;
import io.steward.engine.Endpoint;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.NativeBackup;
import io.steward.engine.Role;
import io.steward.engine.support.CommandRunner;
import io.steward.engine.support.MachineMemory;
import io.steward.engine.support.Pause;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Elasticsearch or OpenSearch node. The cluster elects its own master and places its own shards, so the core
 * only observes it: the engine has no capability that would make Steward choose a primary. What the engine does is
 * report the node's health, on stop drain it, and back the cluster up to its snapshot repository when configured.
 *
 * <p>Roles as the core sees them: {@link Role#PRIMARY} on the elected master, {@link Role#REPLICA} on any other node
 * that has joined the cluster, {@link Role#STOPPED} when the node does not answer. A node that answers but has not
 * joined a cluster (no elected master) is a replica with a problem, so it is unhealthy.
 */
final class ElasticsearchEngine implements Engine, ClientConnections {
    private static final Logger log = LoggerFactory.getLogger(ElasticsearchEngine.class);
    /** How long the stop command, and then the node's own shutdown, may take (systemd's default stop timeout is 90 s). */
    private static final Duration STOP_COMMAND_TIMEOUT = Duration.ofMinutes(2);

    private final ElasticsearchSettings settings;
    private final Endpoint endpoint;
    private final SearchRest rest;
    private final NodeDrain drain;
    private final Optional<NativeBackup> backup;
    private final SearchMetrics metrics;
    private final CommandRunner commands = new CommandRunner("root");
    /** The last probe's view of the cluster; empty while the node does not answer. */
    private volatile Optional<NodeView> lastView = Optional.empty();
    /** Whether this agent has lifted an exclusion its node's last drain left behind (checked once it has joined). */
    private volatile boolean exclusionChecked;

    private volatile boolean heapSized;

    ElasticsearchEngine(EngineContext context, ElasticsearchSettings settings) {
        this.settings = settings;
        this.endpoint = new Endpoint(context.advertisedHost(), httpPort(settings.url()));
        this.rest = new SearchRest(
                settings.url(), settings.requestTimeout(), settings.credentials(), settings.caCertificates());
        this.drain = new NodeDrain(rest, settings.nodeName());
        this.backup = settings.snapshots().map(snapshots -> new SnapshotRepository(rest, snapshots));
        this.metrics = new SearchMetrics(context.metrics());
    }

    private static int httpPort(URI url) {
        return url.getPort() > 0 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public EngineStatus probe() {
        if (!heapSized) {
            sizeHeap();
        }
        NodeView node;
        try {
            node = NodeView.read(rest, settings.nodeName());
            metrics.record(rest, node);
        } catch (EngineException e) {
            lastView = Optional.empty();
            metrics.clear();
            return EngineStatus.stopped(DataState.VALID, Optional.of(e.getMessage()));
        }
        lastView = Optional.of(node);
        if (node.joined() && !exclusionChecked) {
            clearOwnExclusion();
        }
        Optional<String> problem = node.problem();
        Role role = node.isElectedMaster() ? Role.PRIMARY : Role.REPLICA;
        return new EngineStatus(role, DataState.VALID, -1, 0, Optional.empty(), false, List.of(), problem);
    }

    /**
     * Drains the node, then stops it with {@code stop_command} and waits until it no longer answers: its shards move
     * to the other nodes first, so that stopping it loses no copy and leaves nothing unassigned. A node that does not
     * answer has nothing left to drain and is stopped as it is.
     */
    @Override
    public void stop() {
        if (rest.reachable()) {
            drain.exclude();
            drain.awaitEmpty(settings.drainTimeout());
        } else {
            log.info("node {} does not answer at {}; nothing to drain", settings.nodeName(), rest.base());
        }
        log.info("stopping node {}: {}", settings.nodeName(), String.join(" ", settings.stopCommand()));
        commands.runOrFail("stop_command", settings.stopCommand(), Map.of(), STOP_COMMAND_TIMEOUT);
        long deadline = System.nanoTime() + STOP_COMMAND_TIMEOUT.toNanos();
        while (rest.reachable()) {
            if (System.nanoTime() > deadline) {
                throw new EngineException("node " + settings.nodeName() + " still answers "
                        + STOP_COMMAND_TIMEOUT.toSeconds() + " s after its stop_command");
            }
            sleep(Duration.ofMillis(200));
        }
        log.info("node {} stopped", settings.nodeName());
    }

    /**
     * Writes the heap file (when {@code jvm_options_dir} is set) once, at the first probe: the agent starts before the
     * node at boot, so the node launches with it; a node already running picks it up at its next start. A failure is
     * logged once: the node still runs with the heap its own configuration gives it.
     */
    private void sizeHeap() {
        heapSized = true;
        try {
            settings.jvmOptionsDir().ifPresent(dir -> HeapSize.write(dir, MachineMemory.totalBytes()));
        } catch (EngineException e) {
            log.error("heap not sized: {}", e.getMessage());
        }
    }

    private void clearOwnExclusion() {
        try {
            drain.clearExclusion();
            exclusionChecked = true;
        } catch (EngineException e) {
            log.warn("could not lift node {}'s allocation exclusion yet: {}", settings.nodeName(), e.getMessage());
        }
    }

    private static void sleep(Duration duration) {
        Pause.of(duration, e -> new EngineException("interrupted while waiting for the node to stop", e));
    }

    @Override
    public String serverUser() {
        return "elasticsearch";
    }

    /**
     * None: a filesystem freeze plus EBS snapshot of a running node is not a valid Elasticsearch backup; snapshots go to
     * a repository.
     */
    @Override
    public List<Path> dataPaths() {
        return List.of();
    }

    /** The cluster as the node saw it at the last probe: health colour, nodes, unassigned shards, elected master. */
    @Override
    public Map<String, Object> healthDetails() {
        return lastView.map(NodeView::details).orElse(Map.of());
    }

    /** Its only capability: snapshots to the configured repository, when {@code elasticsearch.snapshots} is set. */
    @Override
    public <C extends Capability> Optional<C> capability(Class<C> type) {
        return type == NativeBackup.class ? backup.map(type::cast) : Engine.super.capability(type);
    }

    /** The node's HTTP API, as this node's own is reached ({@code http} or {@code https}): a client takes the first. */
    @Override
    public String connectionString(List<Endpoint> servers, Target target) {
        Endpoint server = servers.get(0);
        String host = server.host().contains(":") ? "[" + server.host() + "]" : server.host();
        return settings.url().getScheme() + "://" + host + ":" + server.port();
    }
}
