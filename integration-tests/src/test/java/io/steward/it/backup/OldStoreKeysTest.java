package io.steward.it.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Before backup.store existed, the store's keys were backup.wal's: for one release an agent still reads them there,
 * and says so once at start, naming the old keys and the new ones.
 */
class OldStoreKeysTest {

    @Test
    void anAgentOnTheOldKeysNamesTheNewOnesAtStart(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(
                dir.resolve("steward.yml"),
                String.join(
                        "\n",
                        "cluster: oldkeys",
                        "engine: postgresql",
                        "node: {name: n1, host: 127.0.0.1, state_dir: " + dir.resolve("state") + "}",
                        // nothing listens there: the agent stays at its start, which is all this test needs
                        "zookeeper: {connect: '127.0.0.1:1', digest_user: steward, digest_password: it-zookeeper-secret}",
                        "aws: {imds: off}",
                        "postgresql: {bin_dir: " + LocalCluster.PG_BIN + ", data_dir: " + dir.resolve("data")
                                + ", socket_dir: " + dir.resolve("run")
                                + ", superuser_password: it-superuser, replication_password: it-replication}",
                        "backup:",
                        "  wal: {bucket: old-bucket, region: eu-west-1, socket: ''}",
                        ""));
        Path log = dir.resolve("agent.log");
        Process agent = LocalCluster.startAgentProcess(config, log, Map.of(), List.of());
        try {
            String deprecation = "backup.wal.bucket, backup.wal.region: deprecated, read as backup.store.bucket, "
                    + "backup.store.region for this release only; move them to backup.store";
            await("the deprecation logged at start")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> !agent.isAlive() || Files.readString(log).contains(deprecation));
            String output = Files.readString(log);
            assertThat(output.lines().filter(line -> line.contains(deprecation)))
                    .as(output)
                    .singleElement()
                    .asString()
                    .contains("WARN");
        } finally {
            agent.destroyForcibly().waitFor();
        }
    }
}
