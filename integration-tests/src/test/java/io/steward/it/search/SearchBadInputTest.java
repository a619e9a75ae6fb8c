package io.steward.it.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.it.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Bad elasticsearch settings stop the agent before it touches anything, every problem named by key, value and what is
 * allowed. (A node that cannot be reached is refused at request time: see {@link SnapshotScheduleTest}.)
 */
class SearchBadInputTest {

    @Test
    void anUnknownRepositoryTypeAndAMalformedScheduleAreRefusedKeyByKey() throws Exception {
        Path dir = Files.createTempDirectory("steward-bad-search");
        Path stateDir = dir.resolve("state");
        Path config = dir.resolve("steward.yml");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "cluster: broken",
                        "engine: elasticsearch",
                        "node: {name: es1, host: 127.0.0.1, state_dir: " + stateDir + "}",
                        "zookeeper: {connect: '127.0.0.1:1', digest_user: steward, digest_password: it-zookeeper-secret}",
                        "aws: {imds: off}",
                        "elasticsearch:",
                        "  url: http://127.0.0.1:9200/some/path",
                        "  snapshots:",
                        "    type: hdfs",
                        "    every: whenever",
                        "    retention: {min_count: 10, max_count: 2}",
                        ""));
        LocalCluster.AgentExit agent = LocalCluster.runAgentUntilItExits(config);

        assertThat(agent.exitCode()).as(agent.output()).isEqualTo(2);
        assertThat(agent.output())
                .contains(
                        "elasticsearch.snapshots.type",
                        "hdfs",
                        "s3, fs",
                        "elasticsearch.snapshots.every",
                        "whenever",
                        "elasticsearch.snapshots.retention.min_count",
                        "at most max_count (2)",
                        "elasticsearch.url",
                        "without a path");
        assertThat(stateDir).as("nothing created").doesNotExist();
    }
}
