package io.steward.it.es7;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.codelibs.elasticsearch.runner.node.ClusterRunnerNode;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.Netty4Plugin;

/**
 * One single-node Elasticsearch 7.10 cluster in a process of its own. Arguments: home folder, node name, HTTP port,
 * transport port, snapshot folder ({@code path.repo}).
 */
public final class Elasticsearch7NodeMain {

    private Elasticsearch7NodeMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException(
                    "usage: HOME NODE HTTP_PORT TRANSPORT_PORT PATH_REPO, got " + Arrays.toString(args));
        }
        Path home = Path.of(args[0]);
        Files.createDirectories(home.resolve("config"));
        Settings settings = Settings.builder()
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("path.repo", args[4])
                .put("cluster.name", "es7-" + args[1])
                .put("node.name", args[1])
                .put("network.host", "127.0.0.1")
                .put("http.port", args[2])
                .put("transport.port", args[3])
                .put("discovery.type", "single-node")
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .build();
        LogConfigurator.configureWithoutConfig(settings);
        Environment environment =
                InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), home.resolve("config"), () -> args[1]);
        Node node = new ClusterRunnerNode(environment, List.of(Netty4Plugin.class));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                node.close();
                            } catch (Exception e) {
                                e.printStackTrace();
                            } finally {
                                stopped.countDown();
                            }
                        },
                        "elasticsearch-stop"));
        node.start();
        stopped.await();
    }
}
