package io.steward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import io.steward.admin.AdminServer;
import io.steward.admin.DumpBackend;
import io.steward.admin.RecordingBackend;
import io.steward.admin.SnapshotBackend;
import io.steward.backup.SnapshotSet;
import io.steward.backup.SnapshotVolume;
import io.steward.config.AdminConfig;
import io.steward.config.RetentionClass;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code steward snapshots} as the operator reads it: a table whose columns stay in line whatever their values. */
class SnapshotsCommandTest {
    private AdminServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static SnapshotSet set(String id, String node, RetentionClass retention, Instant expires, int volumes) {
        Instant created = Instant.parse("2026-11-22T09:30:00Z");
        List<SnapshotVolume> snapshots = new java.util.ArrayList<>();
        for (int i = 0; i < volumes; i++) {
            snapshots.add(new SnapshotVolume(
                    "vol-0" + i, "snap-0123456789abcdef" + i, "/data" + i, "/dev/sdf", 10, List.of("/data" + i)));
        }
        return new SnapshotSet(
                id,
                "db",
                node,
                "replica",
                12345,
                "eu-west-1a",
                retention,
                created,
                Optional.of(created.plusSeconds(3)),
                expires,
                SnapshotSet.Status.COMPLETED,
                Optional.empty(),
                100,
                200,
                1,
                42,
                snapshots,
                Map.of());
    }

    private String snapshots(List<SnapshotSet> sets) throws IOException {
        server = new AdminServer(
                new AdminConfig("127.0.0.1", 0, Optional.empty()),
                new RecordingBackend(),
                new SnapshotBackend() {
                    @Override
                    public SnapshotSet takeSnapshot(RetentionClass retention) {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public List<SnapshotSet> snapshots() {
                        return sets;
                    }
                },
                DumpBackend.NOT_CONFIGURED,
                Optional.empty(),
                new MetricRegistry());
        server.start();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new StewardCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute("snapshots", "--api=http://127.0.0.1:" + server.port());
        assertThat(exitCode).as(err.toString()).isZero();
        return out.toString();
    }

    @Test
    void everyColumnIsAsWideAsItsLongestValue() throws IOException {
        String table = snapshots(List.of(
                set("20261122T093000Z-db01", "db01", RetentionClass.HOURLY, Instant.parse("2026-11-23T09:30:00Z"), 1),
                // milliseconds in the expiry, a long node name, many volumes: wider than any fixed width guessed
                set(
                        "20261122T093000.123Z-database-node-in-eu-west-1a",
                        "database-node-in-eu-west-1a",
                        RetentionClass.MONTHLY,
                        Instant.parse("2027-11-22T09:30:00.123456789Z"),
                        3)));

        List<String> lines = table.lines().toList();
        String header = lines.get(0);
        assertThat(lines).hasSize(3);
        for (String column : List.of("STATUS", "CLASS", "ROLE", "EPOCH", "EXPIRES", "SNAPSHOTS")) {
            int start = header.indexOf(column);
            for (String line : lines.subList(1, lines.size())) {
                assertThat(line.charAt(start - 1))
                        .as("the space before %s in%n%s", column, table)
                        .isEqualTo(' ');
                assertThat(line.charAt(start))
                        .as("the start of %s in%n%s", column, table)
                        .isNotEqualTo(' ');
            }
        }
        assertThat(lines.get(2))
                .contains(
                        "20261122T093000.123Z-database-node-in-eu-west-1a",
                        "2027-11-22T09:30:00.123456789Z",
                        "snap-0123456789abcdef0,snap-0123456789abcdef1,snap-0123456789abcdef2");
    }

    @Test
    void aPendingSetShowsHowLongItHasBeenPending() throws IOException {
        JsonNode sets = ApiCommand.JSON.readTree("""
                [{"id": "a", "status": "PENDING", "created_at": "2026-11-22T09:30:00Z", "retention": "DAILY"},
                 {"id": "b", "status": "COMPLETED", "created_at": "2026-11-22T08:30:00Z", "retention": "DAILY"}]""");

        List<String> lines = SnapshotsCommand.table(sets, Instant.parse("2026-11-22T09:31:05Z"))
                .lines()
                .toList();

        assertThat(lines.get(0)).contains("PENDING FOR");
        assertThat(lines.get(1).split(" +")).startsWith("a", "pending", "01:05", "daily");
        assertThat(lines.get(2).split(" +")).startsWith("b", "completed", "-", "daily");
    }
}
