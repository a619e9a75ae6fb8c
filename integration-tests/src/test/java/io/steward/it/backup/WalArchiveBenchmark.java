package io.steward.it.backup;

import static io.steward.it.backup.WalFixtures.CLUSTER;
import static io.steward.it.backup.WalFixtures.segmentName;
import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.steward.it.aws.S3TestServer;
import io.steward.postgres.wal.PushResult;
import io.steward.postgres.wal.WalArchive;
import io.steward.store.BackupStoreConfig.Compression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throughput of push and fetch with full-size segments; run on demand (surefire excludes {@code *Benchmark*}):
 * {@code mvn -B -o verify -pl integration-tests -am -Dtest=WalArchiveBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * -Dwalbench.segments=1000 -Dwalbench.compression=zstd}.
 *
 * <p>s3proxy keeps objects in memory, so each segment is deleted once fetched and verified: the numbers are per
 * segment, one at a time, as PostgreSQL's archive_command and restore_command work.
 */
// On demand only, and long: the suite's default of 10 minutes per test does not fit.
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.HOURS)
class WalArchiveBenchmark {
    private static final int SEGMENT_SIZE = 16 << 20;

    @TempDir
    Path dir;

    @Test
    void pushAndFetchFullSizeSegments() throws Exception {
        int segments = Integer.getInteger("walbench.segments", 1000);
        Compression compression = Compression.valueOf(
                System.getProperty("walbench.compression", "zstd").toUpperCase(Locale.ROOT));
        S3TestServer.lendCredentialsToThisJvm();
        try (S3TestServer s3 = S3TestServer.start()) {
            s3.createBucket("bench");
            long pushNanos = 0;
            long fetchNanos = 0;
            long stored = 0;
            try (WalArchive archive = new WalArchive(
                    WalFixtures.config(s3.endpoint(), "bench", compression, 3, Duration.ofSeconds(60)),
                    CLUSTER,
                    new MetricRegistry())) {
                for (int i = 1; i <= segments; i++) {
                    String name = segmentName(1, i);
                    Path segment = WalFixtures.writeWalLike(dir.resolve(name), SEGMENT_SIZE, i);
                    long start = System.nanoTime();
                    PushResult.Uploaded pushed = (PushResult.Uploaded) archive.push(segment);
                    long pushedAt = System.nanoTime();
                    Path restored = dir.resolve("RECOVERYXLOG");
                    archive.fetch(name, restored);
                    fetchNanos += System.nanoTime() - pushedAt;
                    pushNanos += pushedAt - start;
                    stored += pushed.storedSize();
                    assertThat(Arrays.equals(Files.readAllBytes(restored), Files.readAllBytes(segment)))
                            .isTrue();
                    s3.client().deleteObject(r -> r.bucket("bench").key(pushed.key()));
                    Files.delete(segment);
                    Files.delete(restored);
                }
            }
            double mib = segments * 16.0;
            System.out.printf(
                    "wal archive benchmark (%s): %d x 16 MiB; push %.0f ms/segment (%.0f MiB/s), "
                            + "fetch %.0f ms/segment (%.0f MiB/s), stored %.1f%% of the size%n",
                    compression.label(),
                    segments,
                    pushNanos / 1e6 / segments,
                    mib / (pushNanos / 1e9),
                    fetchNanos / 1e6 / segments,
                    mib / (fetchNanos / 1e9),
                    100.0 * stored / ((double) segments * SEGMENT_SIZE));
        } finally {
            S3TestServer.withdrawCredentialsFromThisJvm();
        }
    }
}
