package io.steward.it.backup;

import static io.steward.it.backup.WalFixtures.CLUSTER;
import static io.steward.it.backup.WalFixtures.cli;
import static io.steward.it.backup.WalFixtures.config;
import static io.steward.it.backup.WalFixtures.configFile;
import static io.steward.it.backup.WalFixtures.segmentName;
import static io.steward.it.backup.WalFixtures.sha256;
import static io.steward.it.backup.WalFixtures.storeSection;
import static io.steward.it.backup.WalFixtures.writeWalLike;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.codahale.metrics.MetricRegistry;
import io.steward.it.aws.S3TestServer;
import io.steward.postgres.wal.FetchResult;
import io.steward.postgres.wal.PushResult;
import io.steward.postgres.wal.WalArchive;
import io.steward.postgres.wal.WalArchiveException;
import io.steward.postgres.wal.WalArchiveMetrics;
import io.steward.postgres.wal.WalFileName;
import io.steward.store.BackupStoreConfig.Compression;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/** The WAL archive against a real S3 endpoint (s3proxy in this JVM), through the library and through the CLI. */
class WalArchiveTest {
    private static final int MIB = 1 << 20;
    private static S3TestServer s3;

    @TempDir
    Path dir;

    private String bucket;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = S3TestServer.start();
        S3TestServer.lendCredentialsToThisJvm();
    }

    @AfterAll
    static void stopS3() throws Exception {
        S3TestServer.withdrawCredentialsFromThisJvm();
        s3.close();
    }

    /** A bucket per test, so that counting objects counts only this test's. */
    @BeforeEach
    void bucket() {
        bucket = "wal-" + UUID.randomUUID();
        s3.createBucket(bucket);
    }

    @Test
    void aHundredSegmentsComeBackByteForByte() throws Exception {
        Path pgWal = Files.createDirectories(dir.resolve("pg_wal"));
        Path restored = Files.createDirectories(dir.resolve("restored"));
        List<Path> segments = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            segments.add(writeWalLike(pgWal.resolve(segmentName(1, i)), MIB, i));
        }
        MetricRegistry registry = new MetricRegistry();

        long pushStart = System.nanoTime();
        try (WalArchive archive = new WalArchive(
                config(s3.endpoint(), bucket, Compression.ZSTD, 3, Duration.ofSeconds(30)), CLUSTER, registry)) {
            for (Path segment : segments) {
                // AlreadyArchived is success too: it is what a push reports when an attempt's answer was lost
                // after S3 had stored the object, and the SDK's retry then found it there
                assertThat(archive.push(segment))
                        .isInstanceOfAny(PushResult.Uploaded.class, PushResult.AlreadyArchived.class);
            }
            long pushMillis = (System.nanoTime() - pushStart) / 1_000_000;
            long stored = objects().stream().mapToLong(S3Object::size).sum();

            long fetchStart = System.nanoTime();
            for (Path segment : segments) {
                String name = segment.getFileName().toString();
                FetchResult result = archive.fetch(name, restored.resolve(name));
                assertThat(result).isEqualTo(new FetchResult.Restored("steward/" + CLUSTER + "/wal/" + name, MIB));
            }
            long fetchMillis = (System.nanoTime() - fetchStart) / 1_000_000;
            System.out.printf(
                    "wal archive: 100 x 1 MiB pushed in %d ms, fetched in %d ms, stored %.1f%% of the size%n",
                    pushMillis, fetchMillis, 100.0 * stored / (100L * MIB));
        }

        for (Path segment : segments) {
            Path copy = restored.resolve(segment.getFileName());
            assertThat(sha256(copy)).isEqualTo(sha256(segment));
            assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(segment));
        }
        assertThat(registry.counter(WalArchiveMetrics.PUSHES).getCount()).isEqualTo(100);
        assertThat(registry.counter(WalArchiveMetrics.PUSHED_BYTES).getCount()).isLessThanOrEqualTo(100L * MIB);
        assertThat(registry.counter(WalArchiveMetrics.FETCHES).getCount()).isEqualTo(100);
        assertThat(registry.counter(WalArchiveMetrics.PUSH_FAILURES).getCount()).isZero();
        assertThat((Long) registry.getGauges()
                        .get(WalArchiveMetrics.LAST_PUSH_SECONDS)
                        .getValue())
                .isPositive();
        assertThat(objects()).hasSize(100);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void everyCompressionRecordsItsMetadataAndEncryption(Compression compression) throws Exception {
        Path segment = writeWalLike(dir.resolve(segmentName(1, 7)), MIB, 7);
        Path history =
                Files.writeString(dir.resolve("00000002.history"), "1\t0/3000000\tno recovery target specified\n");
        Path backupLabel = Files.writeString(
                dir.resolve(segmentName(1, 7) + ".00000028.backup"), "START WAL LOCATION: 0/7000028\n");

        try (WalArchive archive = archive(compression)) {
            for (Path file : List.of(segment, history, backupLabel)) {
                archive.push(file);
                Path copy = dir.resolve("copy-" + file.getFileName());
                assertThat(archive.fetch(file.getFileName().toString(), copy)).isInstanceOf(FetchResult.Restored.class);
                assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(file));
            }
        }

        HeadObjectResponse head = s3.client().headObject(r -> r.bucket(bucket).key(key(segment)));
        assertThat(head.metadata())
                .containsEntry("steward-compression", compression.label())
                .containsEntry("steward-sha256", sha256(segment))
                .containsEntry("steward-size", Integer.toString(MIB));
        assertThat(head.serverSideEncryption()).isEqualTo(ServerSideEncryption.AES256);
        if (compression == Compression.NONE) {
            assertThat(head.contentLength()).isEqualTo(MIB);
        } else {
            assertThat(head.contentLength()).isLessThan(MIB / 2);
        }
        assertThat(objects())
                .extracting(S3Object::key)
                .containsExactlyInAnyOrder(
                        "steward/walit/wal/00000002.history",
                        "steward/walit/wal/000000010000000000000007",
                        "steward/walit/wal/000000010000000000000007.00000028.backup");
    }

    @Test
    void theSameContentTwiceIsOneObjectAndSuccess() throws Exception {
        Path segment = writeWalLike(dir.resolve(segmentName(1, 1)), MIB, 1);

        try (WalArchive archive = archive(Compression.ZSTD)) {
            assertThat(archive.push(segment)).isInstanceOf(PushResult.Uploaded.class);
            String etag = s3.client()
                    .headObject(r -> r.bucket(bucket).key(key(segment)))
                    .eTag();

            assertThat(archive.push(segment)).isEqualTo(new PushResult.AlreadyArchived(key(segment)));

            assertThat(objects()).hasSize(1);
            assertThat(s3.client()
                            .headObject(r -> r.bucket(bucket).key(key(segment)))
                            .eTag())
                    .isEqualTo(etag);
        }
        assertThat(cli("wal-push", segment.toString(), "--config", cliConfig().toString())
                        .exitCode())
                .as("the CLI says success too, so PostgreSQL can move on")
                .isZero();
    }

    @Test
    void differentContentUnderTheSameNameIsRefusedAndTheOriginalStays() throws Exception {
        Path segment = writeWalLike(dir.resolve(segmentName(1, 2)), MIB, 2);
        Path otherDir = Files.createDirectories(dir.resolve("other"));
        Path impostor = writeWalLike(otherDir.resolve(segmentName(1, 2)), MIB, 99);

        try (WalArchive archive = archive(Compression.ZSTD)) {
            archive.push(segment);
            ResponseBytes<GetObjectResponse> before =
                    s3.client().getObjectAsBytes(r -> r.bucket(bucket).key(key(segment)));

            WalArchiveException e = catchThrowableOfType(WalArchiveException.class, () -> archive.push(impostor));

            assertThat(e.getMessage())
                    .contains(
                            "refusing to overwrite",
                            "s3://" + bucket + "/" + key(segment),
                            segmentName(1, 2),
                            "different content",
                            sha256(segment),
                            sha256(impostor));
            ResponseBytes<GetObjectResponse> after =
                    s3.client().getObjectAsBytes(r -> r.bucket(bucket).key(key(segment)));
            assertThat(after.asByteArray()).isEqualTo(before.asByteArray());
            assertThat(after.response().metadata()).isEqualTo(before.response().metadata());
            assertThat(objects()).hasSize(1);
        }
        WalFixtures.Run run =
                cli("wal-push", impostor.toString(), "--config", cliConfig().toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("refusing to overwrite");
    }

    @Test
    void racingPushesOfDifferentContentLeaveExactlyOneWinner() throws Exception {
        int racers = 6;
        List<Path> contenders = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            contenders.add(writeWalLike(
                    Files.createDirectories(dir.resolve("node" + i)).resolve(segmentName(1, 8)), MIB, 100 + i));
        }
        List<String> winners = Collections.synchronizedList(new ArrayList<>());
        List<String> refused = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try (WalArchive archive = archive(Compression.NONE)) {
            List<Future<?>> runs = new ArrayList<>();
            for (Path contender : contenders) {
                runs.add(pool.submit(() -> {
                    go.await();
                    try {
                        archive.push(contender);
                        winners.add(sha256(contender));
                    } catch (WalArchiveException e) {
                        assertThat(e.getMessage()).contains("refusing to overwrite");
                        refused.add(sha256(contender));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(winners).as("S3's conditional put lets one writer through").hasSize(1);
        assertThat(refused).hasSize(racers - 1);
        assertThat(s3.client()
                        .headObject(r -> r.bucket(bucket).key(key(contenders.get(0))))
                        .metadata())
                .containsEntry("steward-sha256", winners.get(0));
        // the test server enforces the condition, as S3 does: otherwise this test would prove nothing
        S3Exception conflict = catchThrowableOfType(
                S3Exception.class,
                () -> s3.client()
                        .putObject(
                                r -> r.bucket(bucket)
                                        .key(key(contenders.get(0)))
                                        .ifNoneMatch("*"),
                                RequestBody.fromString("late")));
        assertThat(conflict.statusCode()).isEqualTo(412);
    }

    @Test
    void aTamperedObjectIsRefusedAndLeavesNoFile() throws Exception {
        Path segment = writeWalLike(dir.resolve(segmentName(1, 3)), MIB, 3);
        Path restoreDir = Files.createDirectories(dir.resolve("restore"));
        Path destination = restoreDir.resolve("RECOVERYXLOG");

        try (WalArchive archive = archive(Compression.ZSTD)) {
            archive.push(segment);
            HeadObjectResponse original =
                    s3.client().headObject(r -> r.bucket(bucket).key(key(segment)));

            // valid zstd of other content under the original metadata: only the SHA-256 can tell
            Path other = writeWalLike(dir.resolve("other"), MIB, 42);
            Path otherArchive = Files.createDirectories(dir.resolve("other-archive"));
            String otherBucket = bucket + "-other";
            s3.createBucket(otherBucket);
            try (WalArchive elsewhere = new WalArchive(
                    config(s3.endpoint(), otherBucket, Compression.ZSTD, 2, Duration.ofSeconds(10)),
                    CLUSTER,
                    new MetricRegistry())) {
                Path renamed = Files.copy(other, otherArchive.resolve(segment.getFileName()));
                elsewhere.push(renamed);
            }
            byte[] otherCompressed = s3.client()
                    .getObjectAsBytes(r -> r.bucket(otherBucket).key(key(segment)))
                    .asByteArray();
            s3.client()
                    .putObject(
                            r -> r.bucket(bucket).key(key(segment)).metadata(original.metadata()),
                            RequestBody.fromBytes(otherCompressed));

            WalArchiveException mismatch = catchThrowableOfType(
                    WalArchiveException.class, () -> archive.fetch(segmentName(1, 3), destination));

            assertThat(mismatch.getMessage())
                    .contains(
                            "refusing to restore " + segmentName(1, 3),
                            "s3://" + bucket + "/" + key(segment),
                            "damaged or changed",
                            sha256(segment));
            assertThat(destination).doesNotExist();
            assertThat(listing(restoreDir))
                    .as("no temporary file is left behind")
                    .isEmpty();

            // bytes that are not zstd at all
            s3.client()
                    .putObject(
                            r -> r.bucket(bucket).key(key(segment)).metadata(original.metadata()),
                            RequestBody.fromBytes(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));

            catchThrowableOfType(WalArchiveException.class, () -> archive.fetch(segmentName(1, 3), destination));
            assertThat(destination).doesNotExist();
            assertThat(listing(restoreDir)).isEmpty();
        }
        WalFixtures.Run run = cli(
                "wal-fetch",
                segmentName(1, 3),
                destination.toString(),
                "--config",
                cliConfig().toString());
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.err().strip())
                .isEqualTo("steward wal-fetch: refusing to restore " + segmentName(1, 3) + " from s3://" + bucket + "/"
                        + key(segment) + ": the object is not a valid zstd stream (Unknown frame descriptor): "
                        + "damaged, or not written by Steward");
        assertThat(destination).doesNotExist();
    }

    @Test
    void aMissingSegmentIsNotFoundExitOneQuietly() throws Exception {
        Path destination = dir.resolve("RECOVERYXLOG");

        try (WalArchive archive = archive(Compression.ZSTD)) {
            assertThat(archive.fetch(segmentName(1, 9), destination))
                    .isEqualTo(new FetchResult.NotFound(bucket, "steward/walit/wal/" + segmentName(1, 9)));
        }
        WalFixtures.Run run = cli(
                "wal-fetch",
                segmentName(1, 9),
                destination.toString(),
                "--config",
                cliConfig().toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().strip())
                .isEqualTo("steward wal-fetch: " + segmentName(1, 9) + " is not in the archive (s3://" + bucket
                        + "/steward/walit/wal/" + segmentName(1, 9) + ")");
        assertThat(destination).doesNotExist();
    }

    @Test
    void theCliPushesAndFetches() throws Exception {
        Path segment = writeWalLike(dir.resolve(segmentName(2, 0x1FF)), MIB, 5);
        Path destination = dir.resolve("RECOVERYXLOG");
        Path config = cliConfig();

        WalFixtures.Run push = cli("wal-push", segment.toString(), "--config", config.toString());
        WalFixtures.Run fetch =
                cli("wal-fetch", segmentName(2, 0x1FF), destination.toString(), "--config", config.toString());

        assertThat(push.exitCode()).as(push.err()).isZero();
        assertThat(push.out())
                .contains("archived " + segmentName(2, 0x1FF) + " to s3://" + bucket + "/steward/walit/wal/"
                        + segmentName(2, 0x1FF));
        assertThat(fetch.exitCode()).as(fetch.err()).isZero();
        assertThat(Files.readAllBytes(destination)).isEqualTo(Files.readAllBytes(segment));
    }

    @Test
    void unreachableS3FailsThePushAndTheSamePushWorksOnceItIsBack() throws Exception {
        Path segment = writeWalLike(dir.resolve(segmentName(1, 4)), MIB, 4);
        Path config = cliConfig();

        s3.cut();
        WalFixtures.Run failed;
        long start = System.nanoTime();
        try {
            failed = cli("wal-push", segment.toString(), "--config", config.toString());
        } finally {
            s3.heal();
        }
        long failedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.err())
                .contains("could not archive " + segmentName(1, 4), "s3://" + bucket + "/" + key(segment));
        assertThat(failedMillis).as("bounded by 2 attempts of 1 s plus backoff").isLessThan(15_000);
        assertThat(objects()).isEmpty();

        WalFixtures.Run retried = cli("wal-push", segment.toString(), "--config", config.toString());

        assertThat(retried.exitCode()).as(retried.err()).isZero();
        assertThat(objects()).extracting(S3Object::key).containsExactly(key(segment));
        System.out.printf("wal archive: push against a cut S3 failed after %d ms%n", failedMillis);
    }

    @Test
    void fetchFromUnreachableS3IsAFailureNotAMissingFile() throws Exception {
        Path destination = dir.resolve("RECOVERYXLOG");
        Path config = cliConfig();

        s3.cut();
        WalFixtures.Run run;
        try {
            run = cli("wal-fetch", segmentName(1, 5), destination.toString(), "--config", config.toString());
        } finally {
            s3.heal();
        }

        assertThat(run.exitCode())
                .as("3, not 1: PostgreSQL must not take an outage for the end of the archive")
                .isEqualTo(3);
        assertThat(destination).doesNotExist();
    }

    @Test
    void badConfigurationIsExitTwoNamingEveryProblem() throws Exception {
        Path segment = writeWalLike(dir.resolve(segmentName(1, 6)), 1024, 6);
        Path config = configFile(
                dir,
                String.join(
                        "\n",
                        "compression: brotli",
                        "sse: aws:kms",
                        "endpoint: " + s3.endpoint(),
                        "region: us-east-1"));

        WalFixtures.Run run = cli("wal-push", segment.toString(), "--config", config.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .contains(
                        "backup.store.bucket",
                        "missing",
                        "backup.store.compression",
                        "'brotli' is not valid",
                        "backup.store.kms_key_id",
                        "required with sse aws:kms");

        Path disabled = configFile(dir, storeSection(s3.endpoint(), bucket), "enabled: false");
        WalFixtures.Run off =
                cli("wal-fetch", segmentName(1, 6), dir.resolve("x").toString(), "--config", disabled.toString());
        assertThat(off.exitCode()).isEqualTo(2);
        assertThat(off.err()).contains("WAL archiving is not enabled");

        WalFixtures.Run badName = cli(
                "wal-fetch",
                "../../etc/passwd",
                dir.resolve("x").toString(),
                "--config",
                cliConfig().toString());
        assertThat(badName.exitCode()).isEqualTo(2);
        assertThat(badName.err()).contains("is not a WAL file name");
    }

    private WalArchive archive(Compression compression) {
        return new WalArchive(
                config(s3.endpoint(), bucket, compression, 2, Duration.ofSeconds(10)), CLUSTER, new MetricRegistry());
    }

    private Path cliConfig() throws IOException {
        return configFile(dir, storeSection(s3.endpoint(), bucket));
    }

    private static String key(Path file) {
        return "steward/" + CLUSTER + "/wal/"
                + new WalFileName(file.getFileName().toString());
    }

    private List<S3Object> objects() {
        return s3.client().listObjectsV2Paginator(r -> r.bucket(bucket)).contents().stream()
                .toList();
    }

    private static List<Path> listing(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.toList();
        }
    }
}
