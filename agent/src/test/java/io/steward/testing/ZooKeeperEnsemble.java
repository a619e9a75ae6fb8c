package io.steward.testing;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real three-server ZooKeeper ensemble on 127.0.0.1, in this JVM, each server with its own ports and folder. */
public final class ZooKeeperEnsemble implements AutoCloseable {
    /** Short ticks so that session expiry is not rounded up by seconds; production ensembles often use 2000. */
    public static final int TICK_MILLIS = 500;

    private final TestingCluster cluster;
    private final List<InstanceSpec> specs;

    private ZooKeeperEnsemble(TestingCluster cluster, List<InstanceSpec> specs) {
        this.cluster = cluster;
        this.specs = specs;
    }

    public static ZooKeeperEnsemble start(Path folder) throws Exception {
        System.setProperty("zookeeper.admin.enableServer", "false");
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            File data = Files.createDirectories(folder.resolve("zk" + id)).toFile();
            specs.add(new InstanceSpec(data, FreePorts.next(), FreePorts.next(), FreePorts.next(), true, id,
                    TICK_MILLIS, 100, Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1"));
        }
        TestingCluster cluster = new TestingCluster(specs);
        try {
            cluster.start();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new ZooKeeperEnsemble(cluster, specs);
    }

    public String connectString() {
        return cluster.getConnectString();
    }

    /** Connect string naming only server {@code index} (0-based). */
    public String connectStringOf(int index) {
        return "127.0.0.1:" + specs.get(index).getPort();
    }

    public void kill(int index) throws Exception {
        cluster.killServer(specs.get(index));
    }

    public void restart(int index) throws Exception {
        cluster.restartServer(specs.get(index));
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
