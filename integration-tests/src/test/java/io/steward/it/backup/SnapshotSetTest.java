package io.steward.it.backup;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.backup.ArchiveLayout;
import io.steward.backup.SnapshotCatalog;
import io.steward.backup.SnapshotException;
import io.steward.backup.SnapshotSet;
import io.steward.backup.SnapshotSets;
import io.steward.backup.WalPurge;
import io.steward.config.ConfigProblems;
import io.steward.config.RetentionClass;
import io.steward.config.Settings;
import io.steward.config.SnapshotConfig;
import io.steward.engine.Engine;
import io.steward.engine.EngineContext;
import io.steward.engine.EngineRegistry;
import io.steward.engine.Role;
import io.steward.it.LocalCluster;
import io.steward.it.StewardScript;
import io.steward.it.aws.Ec2TestServer;
import io.steward.it.aws.S3TestServer;
import io.steward.storage.Ec2VolumeFinder;
import io.steward.storage.FilesystemFreezer;
import io.steward.testing.FreePorts;
import io.steward.testing.LoopFilesystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Snapshot sets end to end on real components: PostgreSQL 15 on a loop-mounted XFS volume that the EC2 test server
 * knows as an EBS volume, real fsfreeze, WAL archived to S3 (s3proxy) by {@code steward wal-push}, the catalog in S3;
 * then a point-in-time restore onto new volumes made from the snapshots.
 */
class SnapshotSetTest {
    private static final String BUCKET = "snapshots";
    private static final String INSTANCE = "i-0a1b2c3d4e5f60718";
    private static final String ZONE = "eu-west-1a";
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private Path root;
    private S3TestServer s3;
    private Ec2TestServer ec2Server;
    private Ec2Client ec2;
    private final List<Engine> engines = new ArrayList<>();
    private final List<Path> mounts = new ArrayList<>();
    private final MetricRegistry registry = new MetricRegistry();
    private Path script;

    @BeforeEach
    void start() throws Exception {
        root = Files.createTempDirectory(Path.of("/tmp"), "steward-snap-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        s3 = S3TestServer.start();
        s3.createBucket(BUCKET);
        ec2Server = Ec2TestServer.start(root.resolve("images"), root.resolve("by-id"));
        ec2Server.addInstance(INSTANCE, ZONE, "10.0.3.17");
        ec2 = ec2Server.client();
        Path config = WalFixtures.configFile(root, WalFixtures.walSection(s3.endpoint(), BUCKET)
                .replace("attempt_timeout: 1s", "attempt_timeout: 10s"));
        script = StewardScript.install(root, config, Map.of("aws.accessKeyId", S3TestServer.ACCESS_KEY,
                "aws.secretAccessKey", S3TestServer.SECRET_KEY));
    }

    @AfterEach
    void stop() throws Exception {
        for (Engine engine : engines) {
            cleanup(engine::stop);
            cleanup(engine::close);
        }
        // servers started by the CLI, or that could not stop cleanly, must not keep their volumes busy
        cleanup(() -> LoopFilesystem.run("sh", "-c", "for pid in $(find " + root + " -name postmaster.pid); do "
                + "runuser -u postgres -- " + LocalCluster.PG_BIN.resolve("pg_ctl") + " stop -m immediate -w -t 30 "
                + "-D $(dirname $pid) || true; done"));
        for (Path mount : mounts) {
            cleanup(() -> LoopFilesystem.run("sh", "-c", "umount " + mount + " || true"));
        }
        cleanup(ec2::close);
        cleanup(ec2Server::close);
        cleanup(s3::close);
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        LoopFilesystem.run("rm", "-rf", root.toString());
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void cleanup(Step step) {
        try {
            step.run();
        } catch (Exception e) {
            System.err.println("cleanup: " + e);
        }
    }

    private Engine engine(String name, Path dataDir) {
        ObjectNode section = new ObjectMapper().createObjectNode()
                .put("bin_dir", LocalCluster.PG_BIN.toString())
                .put("data_dir", dataDir.toString())
                .put("port", FreePorts.next())
                .put("socket_dir", root.resolve(name + "-run").toString())
                .put("superuser_password", "it-superuser")
                .put("replication_password", "it-replication");
        section.putObject("parameters")
                .put("archive_mode", "on")
                .put("archive_command", script + " wal-push %p")
                .put("restore_command", script + " wal-fetch %f \"%p\"")
                .put("shared_buffers", "16MB");
        Settings settings = new Settings("postgresql", section, new ConfigProblems());
        Engine engine = EngineRegistry.find("postgresql").orElseThrow().create(
                new EngineContext(name, "127.0.0.1", settings, root.resolve(name + "-state"), new MetricRegistry()));
        settings.problems().throwIfAny();
        engines.add(engine);
        return engine;
    }

    private Path dataVolume(String device, Path mountPoint) throws Exception {
        // sparse: room for the WAL that piles up while the archive command catches up
        String volumeId = ec2Server.attachNewVolume(INSTANCE, device, 4096);
        LoopFilesystem.run("mkfs.xfs", "-q", "-f", ec2Server.loopDevice(volumeId));
        Files.createDirectories(mountPoint);
        LoopFilesystem.run("mount", ec2Server.loopDevice(volumeId), mountPoint.toString());
        mounts.add(0, mountPoint);
        Path dataDir = Files.createDirectories(mountPoint.resolve("pgdata"));
        LoopFilesystem.run("chown", "postgres:postgres", dataDir.toString());
        return dataDir;
    }

    private SnapshotSets snapshotSets(Engine engine, Duration freezeTimeout, Clock clock) {
        SnapshotCatalog catalog = new SnapshotCatalog(s3.client(), BUCKET, new ArchiveLayout("steward", WalFixtures.CLUSTER));
        return new SnapshotSets(new SnapshotConfig(true, Optional.of(RetentionClass.HOURLY), false, Map.of(),
                Duration.ofMinutes(5)), engine, ec2, catalog, new Ec2VolumeFinder(ec2, INSTANCE, ec2Server.deviceLinks()),
                new FilesystemFreezer(freezeTimeout, List.of(Path.of(System.getProperty("java.io.tmpdir"))),
                        root.resolve("thaw-guard.log"), registry), clock, registry);
    }

    private SnapshotCatalog catalog() {
        return new SnapshotCatalog(s3.client(), BUCKET, new ArchiveLayout("steward", WalFixtures.CLUSTER));
    }

    private static final SnapshotSets.Taker TAKER = new SnapshotSets.Taker(WalFixtures.CLUSTER, "n1", "primary", 3, ZONE);

    @Test
    void aSetTakenUnderWritesRestoresToAPointInTimeWithExactlyTheRowsCommittedBeforeIt() throws Exception {
        Path sourceMount = root.resolve("src");
        Engine source = engine("source", dataVolume("/dev/sdf", sourceMount));
        source.initializeNewCluster();
        String url = "jdbc:postgresql://" + source.endpoint().host() + ":" + source.endpoint().port() + "/postgres";
        execute(url, "CREATE TABLE t (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong written = new AtomicLong();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (Connection db = DriverManager.getConnection(url, "postgres", "it-superuser");
                 Statement sql = db.createStatement()) {
                while (writing.get()) {
                    sql.execute("INSERT INTO t DEFAULT VALUES");
                    written.incrementAndGet();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(PATIENCE).until(() -> written.get() > 50);

        SnapshotSets sets = snapshotSets(source, Duration.ofSeconds(10), Clock.systemUTC());
        SnapshotSet pending = sets.take(RetentionClass.DAILY, TAKER);
        long writtenAtSet = written.get();

        assertThat(pending.status()).isEqualTo(SnapshotSet.Status.PENDING);
        assertThat(pending.volumes()).singleElement().satisfies(volume -> {
            assertThat(volume.mountPoint()).isEqualTo(sourceMount.toString());
            assertThat(volume.device()).isEqualTo("/dev/sdf");
            assertThat(volume.snapshotId()).startsWith("snap-");
        });
        assertThat(pending.files().get("backup_label")).contains("LABEL: " + pending.id());
        assertThat(pending.frozenMillis()).isPositive();
        assertThat(registry.timer(FilesystemFreezer.FROZEN).getCount()).isEqualTo(1);
        await("the set completes").atMost(PATIENCE).until(() -> catalog().find(pending.id()).orElseThrow().status()
                == SnapshotSet.Status.COMPLETED);
        List<Snapshot> tagged = ec2.describeSnapshots(r -> r.filters(f -> f.name("tag:steward:set-id").values(pending.id())))
                .snapshots();
        assertThat(tagged).singleElement().satisfies(snapshot -> assertThat(tags(snapshot.tags()))
                .containsEntry("steward:cluster", WalFixtures.CLUSTER).containsEntry("steward:epoch", "3")
                .containsEntry("steward:retention", "daily").containsEntry("steward:role", "primary")
                .containsEntry("steward:status", "completed")
                .containsEntry("steward:end-position", Long.toString(pending.endPosition()))
                .containsKeys("steward:expires-at", "steward:start-position", "steward:timeline"));
        await("writes go on after the freeze").atMost(PATIENCE).until(() -> written.get() > writtenAtSet + 50);

        writing.set(false);
        writer.get();
        long committedBeforeTarget = count(url);
        Instant target = Instant.parse(query(url, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(target.plusMillis(5)));
        execute(url, "INSERT INTO t DEFAULT VALUES; INSERT INTO t DEFAULT VALUES");
        String lastSegment = query(url, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        execute(url, "SELECT pg_switch_wal()");
        await("the last segment is archived").atMost(PATIENCE).until(() -> archivedWal().contains(lastSegment));

        Path restoredMount = root.resolve("dst");
        mounts.add(0, restoredMount);
        int restoredPort = FreePorts.next();
        Path restoredConfig = restoredNodeConfig(restoredMount.resolve("pgdata"), restoredPort);
        String[] restore = {"restore", "--config", restoredConfig.toString(), "--target-time", target.toString(),
                "--mount", sourceMount + "=" + restoredMount};
        System.setProperty("aws.accessKeyId", S3TestServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3TestServer.SECRET_KEY);
        WalFixtures.Run unknownSet = WalFixtures.cli("restore", "--config", restoredConfig.toString(), "--from",
                "20200101T000000Z-n1");
        WalFixtures.Run tooEarly = WalFixtures.cli("restore", "--config", restoredConfig.toString(), "--target-time",
                pending.createdAt().minusSeconds(3600).toString());
        WalFixtures.Run badTime = WalFixtures.cli("restore", "--config", restoredConfig.toString(), "--target-time", "yesterday");
        WalFixtures.Run run = WalFixtures.cli(restore);

        assertThat(unknownSet.exitCode()).isEqualTo(1);
        assertThat(unknownSet.err()).contains("no snapshot set 20200101T000000Z-n1 in the catalog");
        assertThat(tooEarly.exitCode()).isEqualTo(1);
        assertThat(tooEarly.err()).contains("no completed snapshot set was consistent before");
        assertThat(badTime.exitCode()).isEqualTo(2);
        assertThat(badTime.err()).contains("--target-time must be an instant such as 2026-11-22T09:30:00Z, was 'yesterday'");
        assertThat(run.exitCode()).as(run.err()).isZero();
        String restoredUrl = "jdbc:postgresql://127.0.0.1:" + restoredPort + "/postgres";
        assertThat(count(restoredUrl)).isEqualTo(committedBeforeTarget);
        assertThat(query(restoredUrl, "SELECT pg_is_in_recovery()::text")).isEqualTo("false");
        assertThat(run.out()).contains("restoring snapshot set " + pending.id(), "mounted at " + restoredMount,
                "recovered and promoted at", "snapshot set " + pending.id() + " restored");
        assertThat(ec2.describeVolumes(r -> r.filters(f -> f.name("tag:steward:restored-from").values(pending.id())))
                .volumes()).hasSize(1);
    }

    @Test
    void aHungSnapshotCallIsThawedInTimeAndTheSetFailsLeavingNothingBehind() throws Exception {
        Path sourceMount = root.resolve("src");
        Engine source = engine("source", dataVolume("/dev/sdf", sourceMount));
        source.initializeNewCluster();
        SnapshotSets sets = snapshotSets(source, Duration.ofSeconds(1), Clock.systemUTC());
        ec2Server.hangNext("CreateSnapshot");

        CompletableFuture<SnapshotSet> taking = CompletableFuture.supplyAsync(() -> sets.take(RetentionClass.HOURLY, TAKER));
        await().atMost(PATIENCE).until(() -> ec2Server.calls("CreateSnapshot") == 1);
        // a write to the data volume goes through once the watchdog has thawed it, while the call still hangs
        Path probe = sourceMount.resolve("probe");
        CompletableFuture.runAsync(() -> {
            try {
                Files.writeString(probe, "thawed", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.SYNC);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }).get(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(taking).isNotDone();
        ec2Server.release("CreateSnapshot");

        assertThat(taking).failsWithin(PATIENCE).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(SnapshotException.class).withMessageContaining("took longer than freeze_timeout");
        List<SnapshotSet> catalog = catalog().list();
        assertThat(catalog).singleElement().satisfies(set -> {
            assertThat(set.status()).isEqualTo(SnapshotSet.Status.FAILED);
            assertThat(set.failure()).hasValueSatisfying(why -> assertThat(why).contains("freeze_timeout"));
        });
        assertThat(ec2Server.snapshotIds()).as("the late snapshot is deleted").isEmpty();
        assertThat(registry.counter(SnapshotSets.FAILURES).getCount()).isEqualTo(1);
        assertThat(registry.counter(FilesystemFreezer.WATCHDOG_THAWS).getCount()).isEqualTo(1);

        // twenty more failures of the create call, none leaves the volume frozen
        for (int i = 0; i < 20; i++) {
            ec2Server.failNext("CreateSnapshot", 1, "SnapshotCreationPerVolumeRateExceeded", 400);
            assertThatThrownBy(() -> sets.take(RetentionClass.HOURLY, TAKER)).isInstanceOf(SnapshotException.class)
                    .hasMessageContaining("SnapshotCreationPerVolumeRateExceeded");
            assertThat(frozen(sourceMount)).isFalse();
        }
        assertThat(registry.counter(SnapshotSets.FAILURES).getCount()).isEqualTo(21);
    }

    @Test
    void thePurgeDeletesExpiredSetsAndTheWalOnlyTheyNeededButKeepsTheNewestRestorableSet() throws Exception {
        Engine source = engine("source", dataVolume("/dev/sdf", root.resolve("src")));
        source.initializeNewCluster();
        String url = "jdbc:postgresql://" + source.endpoint().host() + ":" + source.endpoint().port() + "/postgres";
        for (int i = 0; i < 3; i++) {
            execute(url, "SELECT pg_switch_wal()");
        }
        SnapshotSets sets = snapshotSets(source, Duration.ofSeconds(10), Clock.systemUTC());
        SnapshotSet older = sets.take(RetentionClass.HOURLY, TAKER);
        await().atMost(PATIENCE).until(() -> catalog().find(older.id()).orElseThrow().restorable());
        // set ids have a one-second resolution
        await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().getEpochSecond() > older.createdAt().getEpochSecond());
        execute(url, "CREATE TABLE t (id int); SELECT pg_switch_wal()");
        SnapshotSet newer = sets.take(RetentionClass.HOURLY, TAKER);
        await().atMost(PATIENCE).until(() -> catalog().find(newer.id()).orElseThrow().restorable());
        String newerStart = startSegment(newer);
        await().atMost(PATIENCE).until(() -> archivedWal().stream().anyMatch(name -> name.compareTo(newerStart) < 0));

        SnapshotSets later = snapshotSets(source, Duration.ofSeconds(10), Clock.offset(Clock.systemUTC(), Duration.ofDays(8)));
        WalPurge walPurge = new WalPurge(s3.client(), BUCKET, new ArchiveLayout("steward", WalFixtures.CLUSTER));
        List<String> purged = later.purge(walPurge);

        assertThat(purged).containsExactly(older.id());
        assertThat(catalog().list()).extracting(SnapshotSet::id).containsExactly(newer.id());
        assertThat(ec2Server.snapshotIds()).containsExactly(newer.volumes().get(0).snapshotId());
        assertThat(archivedWal()).isNotEmpty().allSatisfy(name -> assertThat(name.substring(8, 24))
                .isGreaterThanOrEqualTo(newerStart.substring(8)));
    }

    /** A whole configuration for the node that restores, as `steward restore` loads it. */
    private Path restoredNodeConfig(Path dataDir, int port) throws Exception {
        String yaml = String.join("\n",
                "cluster: " + WalFixtures.CLUSTER,
                "engine: postgresql",
                "node:",
                "  name: r1",
                "  host: 127.0.0.1",
                "  state_dir: " + root.resolve("r1-state"),
                "  instance_id: " + INSTANCE,
                "  availability_zone: " + ZONE,
                "zookeeper:",
                "  connect: 127.0.0.1:2181",
                "aws:",
                "  imds: off",
                "  region: eu-west-1",
                "  ec2:",
                "    endpoint: " + ec2Server.endpoint(),
                "storage:",
                "  device_links: " + ec2Server.deviceLinks(),
                "postgresql:",
                "  bin_dir: " + LocalCluster.PG_BIN,
                "  data_dir: " + dataDir,
                "  port: " + port,
                "  socket_dir: " + root.resolve("r1-run"),
                "  superuser_password: it-superuser",
                "  replication_password: it-replication",
                "  parameters:",
                "    archive_mode: 'on'",
                "    archive_command: '" + script + " wal-push %p'",
                "    restore_command: '" + script + " wal-fetch %f \"%p\"'",
                "backup:",
                "  wal:",
                WalFixtures.walSection(s3.endpoint(), BUCKET).replace("attempt_timeout: 1s", "attempt_timeout: 10s")
                        .lines().map(line -> "    " + line).collect(Collectors.joining("\n")),
                "");
        return Files.writeString(root.resolve("r1.yml"), yaml);
    }

    private static String startSegment(SnapshotSet set) {
        String label = set.files().get("backup_label");
        int file = label.indexOf("(file ");
        return label.substring(file + 6, file + 30);
    }

    private List<String> archivedWal() {
        String folder = "steward/" + WalFixtures.CLUSTER + "/wal/";
        return s3.client().listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix(folder)).contents().stream()
                .map(S3Object::key).map(key -> key.substring(folder.length())).collect(Collectors.toList());
    }

    private static boolean frozen(Path mountPoint) throws Exception {
        return new ProcessBuilder("fsfreeze", "--freeze", mountPoint.toString()).start().waitFor() != 0
                || new ProcessBuilder("fsfreeze", "--unfreeze", mountPoint.toString()).start().waitFor() != 0;
    }

    private static Map<String, String> tags(List<Tag> tags) {
        return tags.stream().collect(Collectors.toMap(Tag::key, Tag::value));
    }

    private static void execute(String url, String sql) throws SQLException {
        try (Connection db = DriverManager.getConnection(url, "postgres", "it-superuser");
             Statement statement = db.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String query(String url, String sql) throws SQLException {
        try (Connection db = DriverManager.getConnection(url, "postgres", "it-superuser");
             Statement statement = db.createStatement();
             ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(String url) throws SQLException {
        return Long.parseLong(query(url, "SELECT count(*) FROM t"));
    }
}
