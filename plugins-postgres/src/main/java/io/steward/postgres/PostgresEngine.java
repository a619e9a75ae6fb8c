package io.steward.postgres;

import io.steward.engine.ArchiveStatus;
import io.steward.engine.Archiving;
import io.steward.engine.ClientConnections;
import io.steward.engine.Endpoint;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineStatus;
import io.steward.engine.LeaseElected;
import io.steward.engine.Peer;
import io.steward.engine.PendingRestart;
import io.steward.engine.ReplayDelay;
import io.steward.engine.ReplicationSlots;
import io.steward.engine.Restartable;
import io.steward.engine.SnapshotHold;
import io.steward.engine.SnapshotRecovery;
import io.steward.engine.SynchronousStandbys;
import io.steward.engine.VolumeSnapshots;
import io.steward.engine.support.CommandRunner;
import io.steward.progress.Progress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * PostgreSQL 15 with physical streaming replication: one primary, replicas streaming from it through replication
 * slots, pg_rewind to bring a deposed primary back. The engine SPI over the collaborators that do the work, each with
 * one job: the postmaster, the data directory, the status probe, role changes (with rewind), bootstrap and clone,
 * slots, synchronous standbys, snapshot sets, the archiver's status and operators' restarts, sharing one JDBC
 * connection.
 */
public final class PostgresEngine
        implements Engine,
                LeaseElected,
                ReplicationSlots,
                SynchronousStandbys,
                VolumeSnapshots,
                SnapshotRecovery,
                Archiving,
                ReplayDelay,
                PendingRestart,
                ClientConnections,
                Restartable {
    private final EngineContext context;
    private final PostgresSettings settings;
    private final PostgresConnection connection;
    private final DataDirectory dataDirectory;
    private final Postmaster postmaster;
    private final StatusProbe status;
    private final RoleChanges roles;
    private final Bootstrap bootstrap;
    private final SlotKeeper slots;
    private final SynchronousStandbyNames synchronousStandbys;
    private final PostgresSnapshots snapshots;
    private final ArchiverStatus archiver;
    private final ServerRestarts restarts;

    PostgresEngine(EngineContext context, PostgresSettings settings) {
        this.context = context;
        this.settings = settings;
        CommandRunner runner = new CommandRunner(settings.osUser());
        ConfigWriter config = new ConfigWriter(settings, context.memberName());
        this.connection = new PostgresConnection(settings);
        this.dataDirectory = new DataDirectory(settings, runner);
        this.postmaster = new Postmaster(
                settings, runner, dataDirectory, context.stateDir().resolve("postgresql.log"));
        this.status = new StatusProbe(dataDirectory, postmaster, connection);
        Rewind rewind = new Rewind(settings, runner, dataDirectory, connection);
        this.roles = new RoleChanges(config, dataDirectory, postmaster, status, connection, rewind);
        this.bootstrap = new Bootstrap(settings, runner, config, dataDirectory, postmaster, connection, roles);
        this.slots = new SlotKeeper(
                context.memberName(), context.stateDir().resolve("postgresql-replication-slots"), status, connection);
        this.synchronousStandbys = new SynchronousStandbyNames(status, connection);
        this.snapshots = new PostgresSnapshots(settings, config, dataDirectory, postmaster, status, connection, roles);
        this.archiver = new ArchiverStatus(settings, connection);
        this.restarts = new ServerRestarts(postmaster, status, connection, roles);
    }

    // ---------------------------------------------------------------- Engine

    @Override
    public EngineStatus probe() {
        return status.probe();
    }

    @Override
    public Endpoint endpoint() {
        return new Endpoint(context.advertisedHost(), settings.port());
    }

    @Override
    public void stop() {
        postmaster.stop();
    }

    @Override
    public String serverUser() {
        return settings.osUser();
    }

    @Override
    public List<Path> dataPaths() {
        return dataDirectory.paths();
    }

    @Override
    public void close() {
        connection.close();
    }

    // ---------------------------------------------------------------- LeaseElected

    @Override
    public boolean serverProcessAlive() {
        return postmaster.alive();
    }

    @Override
    public void initializeNewCluster() {
        bootstrap.initializeNewCluster();
    }

    @Override
    public void cloneFrom(Peer primary) {
        bootstrap.cloneFrom(primary);
    }

    @Override
    public void reinitializeFrom(Peer primary) {
        bootstrap.reinitializeFrom(primary);
    }

    @Override
    public void startAsPrimary() {
        roles.startAsPrimary();
    }

    @Override
    public void startAsReplica(Optional<Peer> primary) {
        roles.startAsReplica(primary);
    }

    @Override
    public void follow(Peer primary) {
        roles.follow(primary);
    }

    @Override
    public void promote() {
        roles.promote();
    }

    @Override
    public void fence() {
        postmaster.fence();
    }

    @Override
    public List<String> fenceCommand() {
        return postmaster.fenceCommand();
    }

    // ---------------------------------------------------------------- restarts and reloads an operator asks for

    @Override
    public void restart() {
        restarts.restart();
    }

    @Override
    public void reload() {
        restarts.reload();
    }

    @Override
    public List<String> settingsPendingRestart() {
        return restarts.settingsPendingRestart();
    }

    // ---------------------------------------------------------------- the primary's replication settings

    @Override
    public void reconcileReplicationSlots(Set<String> memberNames) {
        slots.reconcile(memberNames);
    }

    @Override
    public void setSynchronousStandbys(List<String> memberNames) {
        synchronousStandbys.set(memberNames);
    }

    // ---------------------------------------------------------------- snapshot sets and the archive

    @Override
    public SnapshotHold holdForSnapshot(String label) {
        return snapshots.hold(label);
    }

    @Override
    public void recoverFromSnapshot(
            Map<String, String> files, Optional<Instant> targetTime, Consumer<Progress> progress) {
        snapshots.recover(files, targetTime, progress);
    }

    @Override
    public void startReplicaFromSnapshot(Map<String, String> files, Peer primary) {
        snapshots.startReplica(files, primary);
    }

    @Override
    public Optional<ArchiveStatus> archiveStatus() {
        return archiver.read();
    }

    // ---------------------------------------------------------------- for the operator and clients

    @Override
    public Optional<Duration> replayDelay() {
        return status.lastReading().replayDelay();
    }

    @Override
    public Optional<Progress> activity() {
        return bootstrap.activity();
    }

    @Override
    public boolean pendingRestart() {
        return status.lastReading().pendingRestart();
    }

    @Override
    public String connectionString(List<Endpoint> servers, Target target) {
        return LibpqConnectionString.of(servers, target);
    }
}
