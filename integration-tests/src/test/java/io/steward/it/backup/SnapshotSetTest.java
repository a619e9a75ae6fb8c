package io.steward.it.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.steward.backup.SnapshotException;
import io.steward.backup.SnapshotRestore;
import io.steward.backup.SnapshotSet;
import io.steward.backup.SnapshotSets;
import io.steward.config.RetentionClass;
import io.steward.engine.Peer;
import io.steward.it.aws.S3TestServer;
import io.steward.postgres.PostgresEngine;
import io.steward.postgres.wal.WalPurge;
import io.steward.storage.FilesystemFreezer;
import io.steward.store.ArchiveLayout;
import io.steward.testing.FreePorts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.Volume;

/**
 * Snapshot sets end to end on real components: PostgreSQL 15 on a loop-mounted XFS volume that the EC2 test server
 * knows as an EBS volume, real fsfreeze, WAL archived to S3 (s3proxy) by {@code steward wal-push}, the catalog in S3;
 * then a point-in-time restore onto new volumes made from the snapshots.
 */
class SnapshotSetTest {
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final String INSTANCE = SnapshotLab.INSTANCE;
    private static final String ZONE = SnapshotLab.ZONE;
    private SnapshotLab lab;

    @BeforeEach
    void start() throws Exception {
        lab = new SnapshotLab();
    }

    @AfterEach
    void stop() throws Exception {
        lab.close();
    }

    private static final SnapshotSets.Taker TAKER =
            new SnapshotSets.Taker(WalFixtures.CLUSTER, "n1", "primary", 3, ZONE);

    @Test
    void aSetTakenUnderWritesClonesANewClusterAtAPointInTimeWithExactlyTheRowsCommittedBeforeIt() throws Exception {
        Path sourceMount = lab.root.resolve("src");
        PostgresEngine source = lab.engine("source", lab.dataVolume("/dev/sdf", sourceMount));
        source.initializeNewCluster();
        String url = "jdbc:postgresql://" + source.endpoint().host() + ":"
                + source.endpoint().port() + "/postgres";
        execute(url, "CREATE TABLE t (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong written = new AtomicLong();
        CompletableFuture<Void> writer = SnapshotLab.insertWhile(url, "INSERT INTO t DEFAULT VALUES", writing, written);
        await().atMost(PATIENCE).until(() -> written.get() > 50);

        SnapshotSets sets = lab.snapshotSets(source, Duration.ofSeconds(10), Clock.systemUTC());
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
        assertThat(lab.registry.timer(FilesystemFreezer.FROZEN).getCount()).isEqualTo(1);
        await("the set completes")
                .atMost(PATIENCE)
                .until(() -> lab.catalog().find(pending.id()).orElseThrow().status() == SnapshotSet.Status.COMPLETED);
        List<Snapshot> tagged = lab.ec2
                .describeSnapshots(
                        r -> r.filters(f -> f.name("tag:steward:set-id").values(pending.id())))
                .snapshots();
        assertThat(tagged)
                .singleElement()
                .satisfies(snapshot -> assertThat(tags(snapshot.tags()))
                        .containsEntry("steward:cluster", WalFixtures.CLUSTER)
                        .containsEntry("steward:epoch", "3")
                        .containsEntry("steward:retention", "daily")
                        .containsEntry("steward:role", "primary")
                        .containsEntry("steward:status", "completed")
                        .containsEntry("steward:end-position", Long.toString(pending.endPosition()))
                        .containsKeys("steward:expires-at", "steward:start-position", "steward:timeline"));
        await("writes go on after the freeze").atMost(PATIENCE).until(() -> written.get() > writtenAtSet + 50);

        writing.set(false);
        writer.get();
        long committedBeforeTarget = count(url);
        Instant target = Instant.parse(query(
                url, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', " + "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(target.plusMillis(5)));
        execute(url, "INSERT INTO t DEFAULT VALUES; INSERT INTO t DEFAULT VALUES");
        String lastSegment = query(url, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        execute(url, "SELECT pg_switch_wal()");
        await("the last segment is archived")
                .atMost(PATIENCE)
                .until(() -> lab.archivedWal().contains(lastSegment));

        Path restoredMount = lab.root.resolve("dst");
        lab.mounts.add(0, restoredMount);
        int restoredPort = FreePorts.next();
        Path restoredConfig = lab.cloneNodeConfig(restoredMount.resolve("pgdata"), restoredPort);
        String[] restore = {
            "restore",
            "--config",
            restoredConfig.toString(),
            "--target-time",
            target.toString(),
            "--mount",
            sourceMount + "=" + restoredMount
        };
        S3TestServer.lendCredentialsToThisJvm();
        WalFixtures.Run unknownSet =
                WalFixtures.cli("restore", "--config", restoredConfig.toString(), "--from", "20200101T000000Z-n1");
        WalFixtures.Run tooEarly = WalFixtures.cli(
                "restore",
                "--config",
                restoredConfig.toString(),
                "--target-time",
                pending.createdAt().minusSeconds(3600).toString());
        WalFixtures.Run badTime =
                WalFixtures.cli("restore", "--config", restoredConfig.toString(), "--target-time", "yesterday");
        WalFixtures.Run run = WalFixtures.cli(restore);

        assertThat(unknownSet.exitCode()).isEqualTo(1);
        assertThat(unknownSet.err()).contains("no snapshot set 20200101T000000Z-n1 in the catalog");
        assertThat(tooEarly.exitCode()).isEqualTo(1);
        assertThat(tooEarly.err()).contains("no completed snapshot set was consistent before");
        assertThat(badTime.exitCode()).isEqualTo(2);
        assertThat(badTime.err())
                .contains("--target-time must be an instant such as 2026-11-22T09:30:00Z, was 'yesterday'");
        assertThat(run.exitCode()).as(run.err()).isZero();
        String restoredUrl = "jdbc:postgresql://127.0.0.1:" + restoredPort + "/postgres";
        assertThat(count(restoredUrl)).isEqualTo(committedBeforeTarget);
        assertThat(query(restoredUrl, "SELECT pg_is_in_recovery()::text")).isEqualTo("false");
        assertThat(run.out())
                .contains(
                        "restoring snapshot set " + pending.id(),
                        "mounted at " + restoredMount,
                        "replaying the archive: at ",
                        "last transaction ",
                        "before the target " + target,
                        "recovered and promoted at",
                        "snapshot set " + pending.id() + " restored");
        await("the clone archives its new timeline to its own folder")
                .atMost(PATIENCE)
                .until(() -> lab.archivedWal(SnapshotLab.CLONE).contains("00000002.history"));
        assertThat(lab.archivedWal()).as("the source's archive is only read").doesNotContain("00000002.history");
        assertThat(lab.ec2
                        .describeVolumes(r -> r.filters(
                                f -> f.name("tag:steward:restored-from").values(pending.id())))
                        .volumes())
                .hasSize(1);
    }

    @Test
    void aHungSnapshotCallIsThawedInTimeAndTheSetFailsLeavingNothingBehind() throws Exception {
        Path sourceMount = lab.root.resolve("src");
        PostgresEngine source = lab.engine("source", lab.dataVolume("/dev/sdf", sourceMount));
        source.initializeNewCluster();
        SnapshotSets sets = lab.snapshotSets(source, Duration.ofSeconds(1), Clock.systemUTC());
        lab.ec2Server.hangNext("CreateSnapshot");

        CompletableFuture<SnapshotSet> taking =
                CompletableFuture.supplyAsync(() -> sets.take(RetentionClass.HOURLY, TAKER));
        await().atMost(PATIENCE).until(() -> lab.ec2Server.calls("CreateSnapshot") == 1);
        // a write to the data volume goes through once the watchdog has thawed it, while the call still hangs
        Path probe = sourceMount.resolve("probe");
        CompletableFuture.runAsync(() -> {
                    try {
                        Files.writeString(
                                probe,
                                "thawed",
                                java.nio.file.StandardOpenOption.CREATE,
                                java.nio.file.StandardOpenOption.SYNC);
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .get(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(taking).isNotDone();
        lab.ec2Server.release("CreateSnapshot");

        assertThat(taking)
                .failsWithin(PATIENCE)
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(SnapshotException.class)
                .withMessageContaining("took longer than freeze_timeout");
        List<SnapshotSet> catalog = lab.catalog().list();
        assertThat(catalog).singleElement().satisfies(set -> {
            assertThat(set.status()).isEqualTo(SnapshotSet.Status.FAILED);
            assertThat(set.failure()).hasValueSatisfying(why -> assertThat(why).contains("freeze_timeout"));
        });
        assertThat(lab.ec2Server.snapshotIds())
                .as("the late snapshot is deleted")
                .isEmpty();
        assertThat(lab.registry.counter(SnapshotSets.FAILURES).getCount()).isEqualTo(1);
        assertThat(lab.registry.counter(FilesystemFreezer.WATCHDOG_THAWS).getCount())
                .isEqualTo(1);

        // twenty more failures of the create call, none leaves the volume frozen
        for (int i = 0; i < 20; i++) {
            lab.ec2Server.failNext("CreateSnapshot", 1, "SnapshotCreationPerVolumeRateExceeded", 400);
            assertThatThrownBy(() -> sets.take(RetentionClass.HOURLY, TAKER))
                    .isInstanceOf(SnapshotException.class)
                    .hasMessageContaining("SnapshotCreationPerVolumeRateExceeded");
            assertThat(frozen(sourceMount)).isFalse();
        }
        assertThat(lab.registry.counter(SnapshotSets.FAILURES).getCount()).isEqualTo(21);
    }

    @Test
    void aNewReplicaIsSeededFromASnapshotSetAndCatchesUpWithThePrimary() throws Exception {
        Path sourceMount = lab.root.resolve("src");
        PostgresEngine source = lab.engine("source", lab.dataVolume("/dev/sdf", sourceMount));
        source.initializeNewCluster();
        source.reconcileReplicationSlots(Set.of("source", "replica"));
        String url = "jdbc:postgresql://" + source.endpoint().host() + ":"
                + source.endpoint().port() + "/postgres";
        execute(url, "CREATE TABLE t (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        execute(url, "INSERT INTO t SELECT FROM generate_series(1, 100)");
        SnapshotSet set = lab.snapshotSets(source, Duration.ofSeconds(10), Clock.systemUTC())
                .take(RetentionClass.HOURLY, TAKER);
        await().atMost(PATIENCE)
                .until(() -> lab.catalog().find(set.id()).orElseThrow().restorable());
        execute(url, "INSERT INTO t SELECT FROM generate_series(1, 50)");

        Path replicaMount = lab.root.resolve("replica");
        lab.mounts.add(0, replicaMount);
        PostgresEngine replica = lab.engine("replica", replicaMount.resolve("pgdata"));
        List<String> progress = new ArrayList<>();
        new SnapshotRestore(lab.ec2, replica, step -> progress.add(step.sentence()))
                .restoreAsReplica(
                        lab.catalog().find(set.id()).orElseThrow(),
                        new Peer("source", source.endpoint()),
                        new SnapshotRestore.Target(
                                INSTANCE, ZONE, lab.ec2Server.deviceLinks(), Map.of(sourceMount, replicaMount)));

        await("the seeded replica streams")
                .atMost(PATIENCE)
                .until(() -> replica.probe().streaming());
        String replicaUrl = "jdbc:postgresql://127.0.0.1:" + replica.endpoint().port() + "/postgres";
        await("it has what the primary wrote after the set").atMost(PATIENCE).until(() -> count(replicaUrl) == 150);
        assertThat(progress).last().asString().isEqualTo("replica seeded from snapshot set " + set.id());
        assertThat(query(url, "SELECT active::text FROM pg_replication_slots WHERE slot_name = 'replica'"))
                .isEqualTo("true");
    }

    @Test
    void aMissingCatalogBucketIsAClearErrorBeforeAnythingIsHeldFrozenOrCreated() throws Exception {
        PostgresEngine source = lab.engine("source", lab.dataVolume("/dev/sdf", lab.root.resolve("src")));
        source.initializeNewCluster();
        SnapshotSets sets =
                lab.snapshotSets(source, Duration.ofSeconds(10), Clock.systemUTC(), lab.catalog("no-such-bucket"));

        assertThatThrownBy(() -> sets.take(RetentionClass.HOURLY, TAKER))
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining("not started")
                .hasMessageContaining("NoSuchBucket");
        assertThat(lab.ec2Server.calls("CreateSnapshot")).isZero();
        assertThat(lab.registry.timer(FilesystemFreezer.FROZEN).getCount())
                .as("nothing frozen")
                .isZero();
        assertThat(lab.registry.counter(SnapshotSets.FAILURES).getCount()).isEqualTo(1);
    }

    @Test
    void aClientSignedForAnotherRegionIsAClearErrorBeforeAnythingIsHeldFrozenOrCreated() throws Exception {
        PostgresEngine source = lab.engine("source", lab.dataVolume("/dev/sdf", lab.root.resolve("src")));
        source.initializeNewCluster();
        Ec2Client otherRegion = Ec2Client.builder()
                .endpointOverride(lab.ec2Server.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test-secret")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        SnapshotSets sets =
                lab.snapshotSets(source, Duration.ofSeconds(10), Clock.systemUTC(), lab.catalog(), otherRegion);

        assertThatThrownBy(() -> sets.take(RetentionClass.HOURLY, TAKER))
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining("not started")
                .hasMessageContaining(
                        "HTTP 401 (AWS refused the request's credentials: check the instance role, and that "
                                + "aws.region is this node's region)");
        assertThat(lab.ec2Server.calls("CreateSnapshot")).isZero();
        assertThat(lab.registry.timer(FilesystemFreezer.FROZEN).getCount())
                .as("nothing frozen")
                .isZero();
        assertThat(lab.catalog().list()).as("nothing recorded").isEmpty();
        otherRegion.close();
    }

    /**
     * A restore that fails once its volume is made and attached, before anything was written to it, removes that
     * volume again and says so; one whose server then fails to start keeps its volume (the server wrote to it, and
     * what failed may need a look) and names it, with the commands that remove it.
     */
    @Test
    void aFailedRestoreRemovesTheVolumeItMadeOrNamesTheOneItKeeps() throws Exception {
        Path sourceMount = lab.root.resolve("src");
        PostgresEngine source = lab.engine("source", lab.dataVolume("/dev/sdf", sourceMount));
        source.initializeNewCluster();
        SnapshotSet taken = lab.snapshotSets(source, Duration.ofSeconds(10), Clock.systemUTC())
                .take(RetentionClass.HOURLY, TAKER);
        await().atMost(PATIENCE)
                .until(() -> lab.catalog().find(taken.id()).orElseThrow().restorable());
        Path restoredMount = lab.root.resolve("dst");
        lab.mounts.add(0, restoredMount);
        int port = FreePorts.next();
        String config =
                lab.cloneNodeConfig(restoredMount.resolve("pgdata"), port).toString();
        S3TestServer.lendCredentialsToThisJvm();
        // found absent (so empty), but not creatable once the volume is attached: its parent is a file
        Path underAFile = Files.writeString(lab.root.resolve("a-file"), "").resolve("restored");

        WalFixtures.Run removed = WalFixtures.cli(
                "restore", "--config", config, "--from", taken.id(), "--mount", sourceMount + "=" + underAFile);

        assertThat(removed.exitCode()).as(removed.out()).isEqualTo(1);
        String madeFirst = createdVolume(removed.out());
        assertThat(failure(removed))
                .startsWith("steward restore failed: cannot create mount point " + underAFile + ": ")
                .endsWith(
                        "; deleted what this restore had made, before anything was written to it: volume " + madeFirst);
        assertThat(removed.out()).contains("deleted volume " + madeFirst + " (/dev/sdg), which this restore had made");
        assertThat(lab.ec2Server.calls("DetachVolume")).isEqualTo(1);
        assertThat(restoredVolumes(taken)).isEmpty();

        WalFixtures.Run kept;
        try (ServerSocket busy = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            kept = WalFixtures.cli(
                    "restore", "--config", config, "--from", taken.id(), "--mount", sourceMount + "=" + restoredMount);
        }

        assertThat(kept.exitCode()).as(kept.out()).isEqualTo(1);
        String madeSecond = createdVolume(kept.out());
        assertThat(failure(kept))
                .startsWith("steward restore failed: ")
                .contains("pg_ctl start failed")
                .endsWith("; the restored volumes stay as they are: volume " + madeSecond + " (device /dev/sdg, "
                        + "mounted at " + restoredMount + "); remove it with: umount " + restoredMount
                        + "; aws ec2 detach-volume --volume-id " + madeSecond + "; aws ec2 delete-volume "
                        + "--volume-id " + madeSecond);
        assertThat(restoredVolumes(taken)).containsExactly(madeSecond);
    }

    private static String createdVolume(String progress) {
        Matcher created =
                Pattern.compile("creating volume (vol-[0-9a-f]+) from ").matcher(progress);
        assertThat(created.find()).as(progress).isTrue();
        return created.group(1);
    }

    /** The failure the command printed last, after the log lines of what it did (also on stderr). */
    private static String failure(WalFixtures.Run run) {
        List<String> lines = run.err().lines().toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private List<String> restoredVolumes(SnapshotSet set) {
        return lab
                .ec2
                .describeVolumes(
                        r -> r.filters(f -> f.name("tag:steward:restored-from").values(set.id())))
                .volumes()
                .stream()
                .map(Volume::volumeId)
                .toList();
    }

    @Test
    void aSetWhoseSnapshotsWereRetaggedOrDeletedIsNotRestored() throws Exception {
        Path sourceMount = lab.root.resolve("src");
        PostgresEngine source = lab.engine("source", lab.dataVolume("/dev/sdf", sourceMount));
        source.initializeNewCluster();
        SnapshotSet taken = lab.snapshotSets(source, Duration.ofSeconds(10), Clock.systemUTC())
                .take(RetentionClass.HOURLY, TAKER);
        await().atMost(PATIENCE)
                .until(() -> lab.catalog().find(taken.id()).orElseThrow().restorable());
        SnapshotSet set = lab.catalog().find(taken.id()).orElseThrow();
        String snapshotId = set.volumes().get(0).snapshotId();
        Path restoredMount = lab.root.resolve("restored");
        SnapshotRestore restore =
                new SnapshotRestore(lab.ec2, lab.engine("restored", restoredMount.resolve("pgdata")), line -> {});
        SnapshotRestore.Target target = new SnapshotRestore.Target(
                INSTANCE, ZONE, lab.ec2Server.deviceLinks(), Map.of(sourceMount, restoredMount));

        lab.ec2.createTags(r -> r.resources(snapshotId)
                .tags(Tag.builder()
                        .key("steward:set-id")
                        .value("20200101T000000.000Z-n9")
                        .build()));
        assertThatThrownBy(() -> restore.restore(set, Optional.empty(), target))
                .isInstanceOf(SnapshotException.class)
                .hasMessage("snapshot " + snapshotId + " of set " + set.id()
                        + " is tagged steward:set-id=20200101T000000.000Z-n9, " + "expected " + set.id()
                        + "; refusing to restore from a snapshot that may not be this set's");
        lab.ec2.deleteTags(r ->
                r.resources(snapshotId).tags(Tag.builder().key("steward:set-id").build()));
        assertThatThrownBy(() -> restore.restore(set, Optional.empty(), target))
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining("has no tag steward:set-id");
        lab.ec2.deleteSnapshot(r -> r.snapshotId(snapshotId));
        assertThatThrownBy(() -> restore.restore(set, Optional.empty(), target))
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining(snapshotId)
                .hasMessageContaining("InvalidSnapshot.NotFound");

        assertThat(lab.ec2Server.calls("CreateVolume"))
                .as("no volume made from a doubtful snapshot")
                .isZero();
        assertThat(restoredMount).doesNotExist();
    }

    @Test
    void thePurgeDeletesExpiredSetsAndTheWalOnlyTheyNeededButKeepsTheNewestRestorableSet() throws Exception {
        PostgresEngine source = lab.engine("source", lab.dataVolume("/dev/sdf", lab.root.resolve("src")));
        source.initializeNewCluster();
        String url = "jdbc:postgresql://" + source.endpoint().host() + ":"
                + source.endpoint().port() + "/postgres";
        for (int i = 0; i < 3; i++) {
            execute(url, "SELECT pg_switch_wal()");
        }
        SnapshotSets sets = lab.snapshotSets(source, Duration.ofSeconds(10), Clock.systemUTC());
        SnapshotSet older = sets.take(RetentionClass.HOURLY, TAKER);
        await().atMost(PATIENCE)
                .until(() -> lab.catalog().find(older.id()).orElseThrow().restorable());
        execute(url, "CREATE TABLE t (id int); SELECT pg_switch_wal()");
        SnapshotSet newer = sets.take(RetentionClass.HOURLY, TAKER);
        await().atMost(PATIENCE)
                .until(() -> lab.catalog().find(newer.id()).orElseThrow().restorable());
        String newerStart = startSegment(newer);
        await().atMost(PATIENCE)
                .until(() -> lab.archivedWal().stream().anyMatch(name -> name.compareTo(newerStart) < 0));

        SnapshotSets later =
                lab.snapshotSets(source, Duration.ofSeconds(10), Clock.offset(Clock.systemUTC(), Duration.ofDays(8)));
        WalPurge walPurge =
                new WalPurge(lab.s3.client(), SnapshotLab.BUCKET, new ArchiveLayout("steward", WalFixtures.CLUSTER));
        List<String> purged = later.purge(walPurge::purgeBeforeSet);

        assertThat(purged).containsExactly(older.id());
        assertThat(lab.catalog().list()).extracting(SnapshotSet::id).containsExactly(newer.id());
        assertThat(lab.ec2Server.snapshotIds())
                .containsExactly(newer.volumes().get(0).snapshotId());
        assertThat(lab.archivedWal())
                .isNotEmpty()
                .allSatisfy(name -> assertThat(name.substring(8, 24)).isGreaterThanOrEqualTo(newerStart.substring(8)));
    }

    private static String startSegment(SnapshotSet set) {
        String label = set.files().get("backup_label");
        int file = label.indexOf("(file ");
        return label.substring(file + 6, file + 30);
    }

    private static boolean frozen(Path mountPoint) throws Exception {
        return new ProcessBuilder("fsfreeze", "--freeze", mountPoint.toString())
                                .start()
                                .waitFor()
                        != 0
                || new ProcessBuilder("fsfreeze", "--unfreeze", mountPoint.toString())
                                .start()
                                .waitFor()
                        != 0;
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
