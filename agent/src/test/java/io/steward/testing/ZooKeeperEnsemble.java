package io.steward.testing;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A real three-server ZooKeeper ensemble on 127.0.0.1, in this JVM, each server with its own ports and folder. */
public final class ZooKeeperEnsemble implements AutoCloseable {
    /** Short ticks so that session expiry is not rounded up by seconds in tests. */
    public static final int TEST_TICK_MILLIS = 500;
    /** ZooKeeper's own default, which production ensembles mostly keep: benchmarks use it. */
    public static final int DEFAULT_TICK_MILLIS = 2000;

    private final TestingCluster cluster;
    private final List<InstanceSpec> specs;

    private ZooKeeperEnsemble(TestingCluster cluster, List<InstanceSpec> specs) {
        this.cluster = cluster;
        this.specs = specs;
    }

    public static ZooKeeperEnsemble start(Path folder) throws Exception {
        return start(folder, TEST_TICK_MILLIS);
    }

    /** @param tickMillis the servers' tick; sessions can last from 2 to 20 ticks and expire on tick boundaries */
    public static ZooKeeperEnsemble start(Path folder, int tickMillis) throws Exception {
        System.setProperty("zookeeper.admin.enableServer", "false");
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            File data = Files.createDirectories(folder.resolve("zk" + id)).toFile();
            specs.add(new InstanceSpec(data, FreePorts.next(), FreePorts.next(), FreePorts.next(), true, id,
                    tickMillis, 100, Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1"));
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

    /**
     * What server {@code index} (0-based) says it is, by the four-letter word {@code srvr}: {@code leader} or
     * {@code follower}; empty while it is down or not serving (no quorum, still joining).
     */
    public Optional<String> mode(int index) {
        try (Socket socket = new Socket("127.0.0.1", specs.get(index).getPort())) {
            socket.setSoTimeout(2000);
            socket.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return reply.lines().filter(line -> line.startsWith("Mode: ")).map(line -> line.substring(6).trim()).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
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
