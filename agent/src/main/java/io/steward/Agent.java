package io.steward;

import com.codahale.metrics.MetricRegistry;
import io.steward.admin.AdminServer;
import io.steward.admin.ClusterControl;
import io.steward.admin.DumpBackend;
import io.steward.admin.RejectedRequest;
import io.steward.admin.SnapshotBackend;
import io.steward.aws.LeaseCheck;
import io.steward.aws.RecordIntent;
import io.steward.aws.Route53Publisher;
import io.steward.aws.Route53Records;
import io.steward.backup.ArchivedDump;
import io.steward.backup.DumpException;
import io.steward.backup.DumpService;
import io.steward.backup.NativeBackupScheduler;
import io.steward.backup.SnapshotCatalog;
import io.steward.backup.SnapshotException;
import io.steward.backup.SnapshotService;
import io.steward.backup.SnapshotSet;
import io.steward.config.BootstrapConfig;
import io.steward.config.RetentionClass;
import io.steward.config.Route53Config;
import io.steward.config.StewardConfig;
import io.steward.coordination.ClusterStore;
import io.steward.coordination.LateListener;
import io.steward.coordination.ZooKeeperClusterStore;
import io.steward.engine.ConfiguredEngine;
import io.steward.engine.DumpSelector;
import io.steward.engine.Dumps;
import io.steward.engine.Engine;
import io.steward.engine.EngineCapabilities;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineException;
import io.steward.engine.EnginePlugin;
import io.steward.engine.EngineService;
import io.steward.engine.LeaseElected;
import io.steward.engine.NativeBackup;
import io.steward.engine.ServiceContext;
import io.steward.ha.HaLoop;
import io.steward.ha.Policy;
import io.steward.metrics.AgentMetrics;
import io.steward.metrics.CloudWatchReporter;
import io.steward.plugins.EngineRegistry;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running agent: the engine, the coordination store, the HA loop, the admin API and the metrics, wired. */
public final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final AgentMetrics metrics;
    private final Engine engine;
    private final ClusterStore store;
    private final HaLoop loop;
    private final AdminServer admin;
    private final Optional<Route53Records> records;
    private final Optional<SnapshotService> snapshots;
    private final Optional<DumpService> dumps;
    private final Optional<CloudWatchReporter> cloudWatch;
    private final List<EngineService> services;
    private final Optional<NativeBackupScheduler> nativeBackups;

    private Agent(
            AgentMetrics metrics,
            Engine engine,
            ClusterStore store,
            HaLoop loop,
            AdminServer admin,
            Optional<Route53Records> records,
            Optional<SnapshotService> snapshots,
            Optional<DumpService> dumps,
            Optional<CloudWatchReporter> cloudWatch,
            List<EngineService> services,
            Optional<NativeBackupScheduler> nativeBackups) {
        this.nativeBackups = nativeBackups;
        this.metrics = metrics;
        this.engine = engine;
        this.store = store;
        this.loop = loop;
        this.admin = admin;
        this.records = records;
        this.snapshots = snapshots;
        this.dumps = dumps;
        this.cloudWatch = cloudWatch;
        this.services = services;
    }

    /** Starts everything; the HA loop's first tick runs at once. */
    public static Agent start(StewardConfig config, String version) throws IOException, InterruptedException {
        config.deprecations().forEach(log::warn);
        Files.createDirectories(config.node().stateDir());
        AgentMetrics metrics = new AgentMetrics(new MetricRegistry());
        EnginePlugin plugin = plugin(config);
        ConfiguredEngine configured = configureEngine(plugin, config, metrics.registry());
        EngineCapabilities capabilities = configured.capabilities();
        Engine engine = configured.create();
        // The store needs the loop's listener and the loop needs the store: the listener attaches once both exist.
        LateListener listener = new LateListener();
        ClusterStore store;
        try {
            store = ZooKeeperClusterStore.connect(config.zookeeper(), config.cluster(), listener);
        } catch (RuntimeException | InterruptedException e) {
            engine.close();
            throw e;
        }
        // a clone whose engine starts from a dump of the source cluster creates its cluster itself
        boolean mayInitialize = capabilities.mayCreateCluster()
                && (config.bootstrap().mode() == BootstrapConfig.Mode.AUTO
                        || (config.bootstrap().mode() == BootstrapConfig.Mode.CLONE
                                && capabilities.bootstrapDump().isPresent()));
        Policy policy = new Policy(
                config.node().name(),
                config.ha(),
                config.node().noFailover(),
                config.node().priority(),
                mayInitialize,
                capabilities.replicationStyle());
        HaLoop loop = new HaLoop(
                store,
                engine,
                policy,
                metrics,
                new HaLoop.MemberIdentity(
                        config.node().name(), version, config.node().dnsName()),
                config.node().stateDir(),
                config.admin().token(),
                config.node().stopServerOnExit());
        listener.attach(loop.storeListener());
        Optional<Route53Records> records =
                route53Records(config, store, loop, capabilities.electsOwnPrimary(), metrics);
        // what the plugin runs beside its engine (its own archive's socket and metrics, say)
        List<EngineService> services = plugin.services(new ServiceContext(
                config.cluster(),
                config.backup().store(),
                config.backup().pluginSections(),
                config.bootstrap().cloneSource(),
                engine,
                metrics.registry()));
        Optional<SnapshotService> snapshots = snapshotService(config, engine, services, loop, metrics);
        Optional<DumpService> dumps = dumpService(config, engine, capabilities.bootstrapDump(), loop, metrics);
        // An engine with a backup of its own (its database's snapshot API) takes it on its schedule from one member.
        Optional<NativeBackup> nativeBackup = engine.capability(NativeBackup.class);
        Optional<NativeBackupScheduler> nativeBackups = nativeBackup.flatMap(backup -> backup.schedule()
                .map(schedule -> new NativeBackupScheduler(
                        backup,
                        schedule,
                        () -> store.designation("backup-schedule", config.node().name()),
                        metrics.registry())));
        nativeBackups.ifPresent(scheduler -> loop.addTickListener(scheduler::observe));
        AdminServer admin = new AdminServer(
                config.admin(),
                new ClusterControl(store, loop, config.node().name(), engine),
                snapshots.map(Agent::snapshotBackend).orElseGet(() -> catalogOnly(config)),
                dumps.filter(service -> config.backup().dumps().enabled())
                        .map(Agent::dumpBackend)
                        .orElse(DumpBackend.NOT_CONFIGURED),
                nativeBackup,
                metrics.registry());
        try {
            admin.start();
            metrics.startJmx();
            // the address other members make failsafe calls to
            loop.start((config.admin().tls().isPresent() ? "https://" : "http://")
                    + config.node().host() + ":" + admin.port());
            snapshots.ifPresent(SnapshotService::start);
            dumps.ifPresent(DumpService::start);
        } catch (IOException | RuntimeException e) {
            snapshots.ifPresent(SnapshotService::close);
            dumps.ifPresent(DumpService::close);
            nativeBackups.ifPresent(NativeBackupScheduler::close);
            records.ifPresent(Route53Records::close);
            services.forEach(EngineService::close);
            admin.close();
            store.close();
            engine.close();
            throw e;
        }
        log.info(
                "agent {} of cluster {} started: engine {}, admin API on port {}, ZooKeeper {}",
                config.node().name(),
                config.cluster(),
                config.engine().type(),
                admin.port(),
                config.zookeeper().connect());
        Optional<CloudWatchReporter> cloudWatch = CloudWatchReporter.start(config, metrics.registry());
        return new Agent(
                metrics, engine, store, loop, admin, records, snapshots, dumps, cloudWatch, services, nativeBackups);
    }

    /** Snapshot sets, scheduled and on demand, when {@code backup.snapshots} is enabled. */
    private static Optional<SnapshotService> snapshotService(
            StewardConfig config, Engine engine, List<EngineService> services, HaLoop loop, AgentMetrics metrics) {
        if (!config.backup().snapshots().enabled()) {
            return Optional.empty();
        }
        SnapshotService service = new SnapshotService(
                config,
                engine,
                files -> services.forEach(engineService -> engineService.oldestSetKept(files)),
                metrics.registry());
        loop.addTickListener(service.scheduler()::observe);
        if (config.backup().snapshots().seedReplicas()) {
            loop.replicaSeeder(service::seedReplica);
        }
        return Optional.of(service);
    }

    /**
     * Dumps to S3, scheduled and on demand, when {@code backup.dumps} is enabled; and the dump a cluster this node
     * creates starts from, when the engine asks for one.
     */
    private static Optional<DumpService> dumpService(
            StewardConfig config,
            Engine engine,
            Optional<DumpSelector> bootstrapDump,
            HaLoop loop,
            AgentMetrics metrics) {
        if (!config.backup().dumps().enabled() && bootstrapDump.isEmpty()) {
            return Optional.empty();
        }
        DumpService service = new DumpService(config, engine, metrics.registry());
        if (config.backup().dumps().enabled()) {
            loop.addTickListener(service.scheduler()::observe);
        }
        bootstrapDump.ifPresent(selector -> {
            log.info(
                    "if this node creates the cluster, it starts from dump {}; if the cluster exists, it copies from "
                            + "the primary and the dump is not used",
                    selector);
            Path fetched = config.node().stateDir().resolve("bootstrap-dump");
            loop.clusterSeed(() -> {
                Path dump;
                try {
                    dump = service.fetchForBootstrap(selector, fetched);
                } catch (DumpException e) {
                    throw new EngineException(
                            "cannot create the cluster from dump " + selector + ": " + e.getMessage(), e);
                }
                // only an engine with dumps declares a bootstrap dump
                Dumps fromDumps = engine.capability(Dumps.class).orElseThrow();
                return new HaLoop.NewCluster(() -> fromDumps.initializeFromDump(dump), () -> {
                    try {
                        Files.deleteIfExists(dump);
                    } catch (IOException e) {
                        log.warn("could not delete the fetched dump {}: {}", dump, e.getMessage());
                    }
                });
            });
        });
        return Optional.of(service);
    }

    private static DumpBackend dumpBackend(DumpService service) {
        return new DumpBackend() {
            @Override
            public ArchivedDump takeDump() {
                try {
                    return service.takeNow();
                } catch (DumpException e) {
                    throw new RejectedRequest(e.getMessage());
                }
            }

            @Override
            public List<ArchivedDump> dumps() {
                try {
                    return service.list();
                } catch (DumpException e) {
                    throw new RejectedRequest(e.getMessage());
                }
            }
        };
    }

    /**
     * A member without {@code backup.snapshots} takes no sets; the catalog is the cluster's, though, and any member
     * that knows the backup store lists it.
     */
    private static SnapshotBackend catalogOnly(StewardConfig config) {
        return config.backup()
                .store()
                .map(store -> SnapshotBackend.listingOnly(() -> {
                    try {
                        return SnapshotCatalog.list(store, config.cluster());
                    } catch (SnapshotException e) {
                        throw new RejectedRequest(e.getMessage());
                    }
                }))
                .orElse(SnapshotBackend.NOT_CONFIGURED);
    }

    private static SnapshotBackend snapshotBackend(SnapshotService service) {
        return new SnapshotBackend() {
            @Override
            public SnapshotSet takeSnapshot(RetentionClass retention) {
                try {
                    return service.takeNow(retention);
                } catch (SnapshotException e) {
                    throw new RejectedRequest(e.getMessage());
                }
            }

            @Override
            public List<SnapshotSet> snapshots() {
                return service.catalog();
            }

            @Override
            public long catalogWrites() {
                return service.catalogWrites();
            }
        };
    }

    /** Route 53 publication beside the HA loop, fed after every tick, when {@code aws.route53} is enabled. */
    private static Optional<Route53Records> route53Records(
            StewardConfig config, ClusterStore store, HaLoop loop, boolean engineElectsPrimary, AgentMetrics metrics) {
        Route53Config route53 = config.aws().route53();
        if (!route53.enabled()) {
            return Optional.empty();
        }
        String self = config.node().name();
        // One member, elected through ZooKeeper, removes the weighted entries of members whose agent died with them.
        BooleanSupplier cleansOrphans = route53.weightedRecord().isPresent()
                ? store.designation("route53-weighted-cleanup", self)::held
                : () -> false;
        Route53Records records = new Route53Records(
                route53,
                new Route53Publisher(route53),
                self,
                config.node().instanceId().orElse(self),
                LeaseCheck.named(engineElectsPrimary ? "term" : "epoch", loop::provenLeaseEpoch),
                cleansOrphans,
                metrics.registry());
        loop.addTickListener((view, status, leaseProven) -> records.offer(RecordIntent.of(
                view,
                self,
                status.role(),
                status.position(),
                leaseProven,
                config.ha().maximumLagOnFailover(),
                route53.type())));
        return Optional.of(records);
    }

    /** The configured engine, built; the server is not touched. */
    public static Engine createEngine(StewardConfig config, MetricRegistry registry) {
        return configureEngine(plugin(config), config, registry).create();
    }

    private static EnginePlugin plugin(StewardConfig config) {
        return EngineRegistry.find(config.engine().type())
                .orElseThrow(() -> new IllegalStateException(
                        "engine plugin '" + config.engine().type() + "' is not installed"));
    }

    /** The configured engine's plugin, given its section: what the engine can do and how to build it. */
    private static ConfiguredEngine configureEngine(
            EnginePlugin plugin, StewardConfig config, MetricRegistry registry) {
        ConfigProblems problems = new ConfigProblems();
        Settings settings = new Settings(config.engine().type(), config.engine().settings(), problems);
        ConfiguredEngine configured = plugin.configure(new EngineContext(
                config.node().name(),
                config.node().host(),
                settings,
                config.node().stateDir(),
                registry));
        settings.rejectUnknownKeys();
        problems.throwIfAny();
        return configured;
    }

    public int adminPort() {
        return admin.port();
    }

    /** Graceful stop: hands over or releases the lease (see {@link HaLoop#close()}), then leaves the cluster. */
    @Override
    public void close() {
        log.info("agent stopping");
        if (engine.capability(LeaseElected.class).isEmpty()) {
            // the database elects its own primary, and its stop drains the node, which takes a while: clients and
            // joining nodes are sent elsewhere first
            records.ifPresent(Route53Records::close);
        }
        loop.close();
        services.forEach(EngineService::close);
        cloudWatch.ifPresent(CloudWatchReporter::stop);
        snapshots.ifPresent(SnapshotService::close);
        nativeBackups.ifPresent(NativeBackupScheduler::close);
        dumps.ifPresent(DumpService::close);
        records.ifPresent(Route53Records::close);
        admin.close();
        store.close();
        engine.close();
        metrics.close();
        log.info("agent stopped");
    }
}
