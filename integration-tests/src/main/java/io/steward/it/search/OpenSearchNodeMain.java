package io.steward.it.search;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.codelibs.opensearch.runner.node.OpenSearchRunnerNode;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch 2.19 node in a process of its own, so that a test can stop it with SIGTERM (as {@code systemctl stop}
 * would) or kill it with SIGKILL, and an agent can stop it for real after a drain.
 *
 * <p>Arguments: home folder, cluster name, node name, HTTP port, transport port, the transport ports of every node
 * (seed hosts), the names of the nodes that bootstrap the cluster, the snapshot folder ({@code path.repo}). Writes
 * {@code <home>/node.pid} once the node answers, and removes it when the node has stopped.
 */
public final class OpenSearchNodeMain {

    private OpenSearchNodeMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            throw new IllegalArgumentException(
                    "usage: HOME CLUSTER NODE HTTP_PORT TRANSPORT_PORT SEED_PORTS INITIAL_NODES PATH_REPO, got "
                            + Arrays.toString(args));
        }
        Path home = Path.of(args[0]);
        Files.createDirectories(home.resolve("config"));
        List<String> seeds = Arrays.stream(args[5].split(","))
                .map(port -> "127.0.0.1:" + port)
                .toList();
        Settings settings = Settings.builder()
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("path.repo", args[7])
                .put("cluster.name", args[1])
                .put("node.name", args[2])
                .put("network.host", "127.0.0.1")
                .put("http.port", args[3])
                .put("transport.port", args[4])
                .putList("discovery.seed_hosts", seeds)
                .putList("cluster.initial_cluster_manager_nodes", Arrays.asList(args[6].split(",")))
                // without it, three nodes take 35 s to form a cluster
                .put("discovery.initial_state_timeout", "1s")
                // the test machine's disk may be fuller than the default watermarks allow
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .build();
        LogConfigurator.configureWithoutConfig(settings);
        Environment environment =
                InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), home.resolve("config"), () -> args[2]);
        Node node = new OpenSearchRunnerNode(environment, List.of(Netty4Plugin.class));
        CountDownLatch stopped = new CountDownLatch(1);
        Path pidFile = home.resolve("node.pid");
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                node.close();
                            } catch (Exception e) {
                                e.printStackTrace();
                            } finally {
                                try {
                                    Files.deleteIfExists(pidFile);
                                } catch (Exception e) {
                                    e.printStackTrace();
                                }
                                stopped.countDown();
                            }
                        },
                        "opensearch-stop"));
        node.start();
        Path written = home.resolve("node.pid.tmp");
        Files.writeString(written, Long.toString(ProcessHandle.current().pid()));
        Files.move(written, pidFile, StandardCopyOption.ATOMIC_MOVE);
        stopped.await();
    }
}
