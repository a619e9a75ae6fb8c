package io.steward.it.backup;

import io.steward.backup.SnapshotSet;
import io.steward.backup.SnapshotSets;
import io.steward.config.RetentionClass;
import io.steward.postgres.PostgresEngine;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How long the data filesystem stays frozen per snapshot set (target: median under 1 s), with PostgreSQL taking
 * writes all along; run on demand (surefire excludes {@code *Benchmark*}):
 * {@code ./scripts/benchmark.sh snapshot} or {@code mvn -B -o verify -pl integration-tests -am
 * -Dtest=SnapshotFreezeBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dsnapbench.sets=20}.
 */
// On demand only, and long: the suite's default of 10 minutes per test does not fit.
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.HOURS)
class SnapshotFreezeBenchmark {

    @Test
    void frozenTimePerSnapshotSetUnderWrites() throws Exception {
        int count = Integer.getInteger("snapbench.sets", 20);
        try (SnapshotLab lab = new SnapshotLab()) {
            PostgresEngine source = lab.engine("source", lab.dataVolume("/dev/sdf", lab.root.resolve("src")));
            source.initializeNewCluster();
            String url = "jdbc:postgresql://" + source.endpoint().host() + ":"
                    + source.endpoint().port() + "/postgres";
            try (Connection db = DriverManager.getConnection(url, "postgres", "it-superuser");
                    Statement sql = db.createStatement()) {
                sql.execute("CREATE TABLE t (id bigserial PRIMARY KEY, payload text)");
            }
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong written = new AtomicLong();
            CompletableFuture<Void> writer = SnapshotLab.insertWhile(
                    url, "INSERT INTO t (payload) VALUES (md5(random()::text))", writing, written);
            SnapshotSets sets = lab.snapshotSets(source, Duration.ofSeconds(10), Clock.systemUTC());
            List<Long> frozen = new ArrayList<>();
            List<Long> total = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                long start = System.nanoTime();
                SnapshotSet set = sets.take(
                        RetentionClass.HOURLY, new SnapshotSets.Taker("walit", "n1", "primary", 1, SnapshotLab.ZONE));
                total.add((System.nanoTime() - start) / 1_000_000);
                frozen.add(set.frozenMillis());
            }
            writing.set(false);
            writer.get();
            Collections.sort(frozen);
            Collections.sort(total);
            System.out.printf(
                    "snapshot freeze benchmark: %d sets under writes (%d rows written); frozen ms min %d, "
                            + "median %d, p95 %d, max %d; whole set (hold, freeze, create, release) ms median %d, max %d%n",
                    count,
                    written.get(),
                    frozen.get(0),
                    frozen.get(count / 2),
                    frozen.get((int) Math.ceil(count * 0.95) - 1),
                    frozen.get(count - 1),
                    total.get(count / 2),
                    total.get(count - 1));
        }
    }
}
