package io.steward.it.acceptance;

import static io.steward.it.acceptance.StatusRows.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.Database;
import io.steward.it.LocalCluster;
import io.steward.it.acceptance.InstalledSteward.CliRun;
import io.steward.it.aws.S3TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's commands on a Redis cluster whose agents the tarball's launcher started, each run as a process of the
 * same launcher: the status table, a dump archived in S3 (s3proxy) and listed as a table, and a switchover.
 */
class RedisOperatorAcceptanceTest {
    private static final String BUCKET = "acceptance-dumps";

    @TempDir
    static Path dir;

    private static InstalledSteward steward;
    private static S3TestServer s3;
    private static LocalCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        steward = InstalledSteward.unpack(dir);
        s3 = S3TestServer.start();
        s3.createBucket(BUCKET);
        cluster = LocalCluster.start(LocalCluster.Options.defaults()
                .withDatabase(Database.REDIS)
                .withNodes(2)
                .withExtraYaml(String.join(
                        "\n",
                        "backup:",
                        "  store:",
                        "    bucket: " + BUCKET,
                        "    endpoint: " + s3.endpoint(),
                        "    path_style: true",
                        "    region: " + S3TestServer.REGION,
                        "  dumps:",
                        "    schedule: off"))
                .startedBy(steward.command())
                .withEnvironment(Map.of(
                        "AWS_ACCESS_KEY_ID",
                        S3TestServer.ACCESS_KEY,
                        "AWS_SECRET_ACCESS_KEY",
                        S3TestServer.SECRET_KEY)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void anOperatorDumpsListsAndSwitchesOverWithTheInstalledCommand() throws Exception {
        LocalCluster.Node primary = cluster.awaitPrimary();
        LocalCluster.Node replica = cluster.nodes().stream()
                .filter(node -> node != primary)
                .findFirst()
                .orElseThrow();

        CliRun status = cli(replica, "status");
        assertThat(status.exitCode()).as(status.transcript()).isZero();
        assertThat(status.out()).contains("leader " + primary.name());
        assertThat(row(status.out(), replica.name()))
                .contains("replica", "healthy")
                .doesNotContain("unhealthy");

        CliRun dump = cli(primary, "dump");
        assertThat(dump.exitCode()).as(dump.transcript()).isZero();
        String dumpName = "-" + primary.name() + ".rdb";
        assertThat(dump.out().lines().toList())
                .hasSize(2)
                .first()
                .asString()
                .startsWith("DUMP")
                .contains("CLASS", "EXPIRES", "STORED BYTES", "KEY");
        assertThat(dump.out()).contains(dumpName, "monthly", "steward/" + cluster.name() + "/dumps/");

        CliRun dumps = cli(replica, "dumps");
        assertThat(dumps.exitCode()).as(dumps.transcript()).isZero();
        assertThat(dumps.out().lines().skip(1).toList())
                .singleElement()
                .asString()
                .contains(dumpName);

        CliRun switchover = cli(primary, "switchover", "--to", replica.name(), "--force");
        assertThat(switchover.exitCode()).as(switchover.transcript()).isZero();
        assertThat(switchover.out()).contains(replica.name());
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String after = cli(primary, "status").out();
            assertThat(row(after, replica.name()))
                    .contains("primary (leader)", "healthy")
                    .doesNotContain("unhealthy");
            assertThat(row(after, primary.name()))
                    .contains("replica", "healthy")
                    .doesNotContain("unhealthy");
        });
    }

    private static CliRun cli(LocalCluster.Node node, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(arguments));
        command.addAll(List.of(
                "--api", node.apiUrl(), "--token-file", LocalCluster.tokenFile().toString()));
        return steward.run(Map.of(), "", command);
    }
}
