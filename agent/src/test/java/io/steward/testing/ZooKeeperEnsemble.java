package io.steward.testing;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

/**
 * A real three-server ZooKeeper ensemble on 127.0.0.1, in this JVM, each server with its own ports and folder.
 *
 * <p>Started {@linkplain #startPartitionable partitionable}, every connection between two servers goes through a
 * {@link TcpProxy} of its own, per direction and port, so that a test can cut servers off from each other
 * ({@link #isolate}, {@link #cutLink}) as a real partition would: silently, losing nothing once healed. Clients
 * always reach every server directly. Each server is given its own view of the ensemble (curator-test allows it): its
 * own entry with its real ports, and each other server under its real id and client port but with the quorum and
 * election ports of the relays that lead there from this server.
 */
public final class ZooKeeperEnsemble implements AutoCloseable {
    /** Short ticks so that session expiry is not rounded up by seconds in tests. */
    public static final int TEST_TICK_MILLIS = 500;
    /** ZooKeeper's own default, which production ensembles mostly keep: benchmarks use it. */
    public static final int DEFAULT_TICK_MILLIS = 2000;
    /**
     * Ticks a follower waits to hear from its leader (which pings every half tick), and a leader for a follower's
     * acknowledgements, before giving up on the other: ZooKeeper's sample configuration, as in curator-test, set here
     * explicitly so that it cannot change under the tests. A follower cut off from its leader keeps answering plain
     * reads from its ageing copy for about that long ({@link #syncTimeout()}).
     */
    public static final int SYNC_LIMIT_TICKS = 5;
    /** Ticks a follower has to connect to a newly elected leader and sync with it: ZooKeeper's sample configuration. */
    public static final int INIT_LIMIT_TICKS = 10;

    public static final int SERVERS = 3;
    private static final String HOST = "127.0.0.1";
    private static final int MAX_CLIENT_CONNECTIONS = 100;

    private final TestingCluster cluster;
    private final List<InstanceSpec> specs;
    private final int tickMillis;
    private final Optional<PeerLinks> links;

    private ZooKeeperEnsemble(
            TestingCluster cluster, List<InstanceSpec> specs, int tickMillis, Optional<PeerLinks> links) {
        this.cluster = cluster;
        this.specs = specs;
        this.tickMillis = tickMillis;
        this.links = links;
    }

    public static ZooKeeperEnsemble start(Path folder) throws Exception {
        return start(folder, TEST_TICK_MILLIS);
    }

    /** @param tickMillis the servers' tick; sessions can last from 2 to 20 ticks and expire on tick boundaries */
    public static ZooKeeperEnsemble start(Path folder, int tickMillis) throws Exception {
        return start(folder, tickMillis, false);
    }

    /** An ensemble whose servers reach each other only through relays that {@link #isolate} and friends can cut. */
    public static ZooKeeperEnsemble startPartitionable(Path folder, int tickMillis) throws Exception {
        return start(folder, tickMillis, true);
    }

    private static ZooKeeperEnsemble start(Path folder, int tickMillis, boolean partitionable) throws Exception {
        System.setProperty("zookeeper.admin.enableServer", "false");
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= SERVERS; id++) {
            File data = Files.createDirectories(folder.resolve("zk" + id)).toFile();
            specs.add(spec(data, FreePorts.next(), FreePorts.next(), FreePorts.next(), id, tickMillis));
        }
        Optional<PeerLinks> links = partitionable
                ? Optional.of(PeerLinks.open(specs.stream()
                        .map(spec -> new PeerLinks.PeerPorts(spec.getQuorumPort(), spec.getElectionPort()))
                        .toList()))
                : Optional.empty();
        Map<InstanceSpec, Collection<InstanceSpec>> views = new LinkedHashMap<>();
        for (int server = 0; server < SERVERS; server++) {
            views.put(specs.get(server), links.isPresent() ? viewThroughLinks(server, specs, links.get()) : specs);
        }
        TestingCluster cluster = new TestingCluster(views);
        try {
            cluster.start();
        } catch (Exception e) {
            cluster.close();
            links.ifPresent(PeerLinks::close);
            throw e;
        }
        return new ZooKeeperEnsemble(cluster, specs, tickMillis, links);
    }

    /** The ensemble as {@code server} sees it: itself as it is, every other server behind the relay from here. */
    private static List<InstanceSpec> viewThroughLinks(int server, List<InstanceSpec> specs, PeerLinks links) {
        List<InstanceSpec> view = new ArrayList<>();
        for (int other = 0; other < specs.size(); other++) {
            InstanceSpec real = specs.get(other);
            view.add(
                    other == server
                            ? real
                            : spec(
                                    real.getDataDirectory(),
                                    real.getPort(),
                                    links.electionPort(server, other),
                                    links.quorumPort(server, other),
                                    real.getServerId(),
                                    real.getTickTime()));
        }
        return view;
    }

    /**
     * Only a server's own entry in its view is used for anything but its address (data, tick, properties), so every
     * entry can be built alike.
     */
    private static InstanceSpec spec(
            File data, int clientPort, int electionPort, int quorumPort, int id, int tickMillis) {
        Map<String, Object> properties = Map.of(
                "clientPortAddress", HOST,
                "syncLimit", String.valueOf(SYNC_LIMIT_TICKS),
                "initLimit", String.valueOf(INIT_LIMIT_TICKS));
        return new InstanceSpec(
                data,
                clientPort,
                electionPort,
                quorumPort,
                true,
                id,
                tickMillis,
                MAX_CLIENT_CONNECTIONS,
                properties,
                HOST);
    }

    public String connectString() {
        return cluster.getConnectString();
    }

    /** Connect string naming only server {@code index} (0-based). */
    public String connectStringOf(int index) {
        return HOST + ":" + specs.get(index).getPort();
    }

    public int tickMillis() {
        return tickMillis;
    }

    /**
     * {@value #SYNC_LIMIT_TICKS} ticks: how long a follower that hears nothing from its leader goes on following it
     * (and answering reads) before it gives up and looks for a leader again; the leader drops it as late.
     */
    public Duration syncTimeout() {
        return Duration.ofMillis((long) tickMillis * SYNC_LIMIT_TICKS);
    }

    /**
     * What server {@code index} (0-based) says it is, by the four-letter word {@code srvr}: {@code leader} or
     * {@code follower}; empty while it is down or not serving (no quorum, still joining).
     */
    public Optional<String> mode(int index) {
        try (Socket socket = new Socket(HOST, specs.get(index).getPort())) {
            socket.setSoTimeout(2000);
            socket.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return reply.lines()
                    .filter(line -> line.startsWith("Mode: "))
                    .map(line -> line.substring(6).trim())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The one server that says it is {@code leader}; empty if none does, or if two do, as a leader cut off from its
     * followers does until it notices, up to {@link #syncTimeout()} after a new one was elected.
     */
    public OptionalInt leaderIndex() {
        int[] leaders = IntStream.range(0, SERVERS)
                .filter(index -> mode(index).filter("leader"::equals).isPresent())
                .toArray();
        return leaders.length == 1 ? OptionalInt.of(leaders[0]) : OptionalInt.empty();
    }

    public int awaitLeader(Duration within) {
        return await("one ZooKeeper leader")
                .atMost(within)
                .pollInterval(Duration.ofMillis(100))
                .until(this::leaderIndex, OptionalInt::isPresent)
                .getAsInt();
    }

    /** Stops server {@code index}; its data stays for {@link #restart}. */
    public void kill(int index) throws Exception {
        cluster.killServer(specs.get(index));
    }

    /** Starts server {@code index} again on its data (stopping it first if it runs), as after a crash or reboot. */
    public void restart(int index) throws Exception {
        cluster.restartServer(specs.get(index));
    }

    /**
     * Stops every server, keeping their data. Sessions are in the data, and the new leader gives each a full timeout
     * from when it serves again, however long the ensemble was down; but a ZooKeeper 3.9.3+ client that hears from no
     * server for 4/3 of its session timeout expires the session itself (ZOOKEEPER-4508), and that session's ephemeral
     * nodes then stay for one more timeout after the ensemble is back.
     */
    public void stopAll() throws Exception {
        for (int index = 0; index < SERVERS; index++) {
            kill(index);
        }
    }

    /** Starts every server again on its data; they elect a leader among themselves once enough are up. */
    public void startAll() throws Exception {
        for (int index = 0; index < SERVERS; index++) {
            restart(index);
        }
    }

    /**
     * Cuts {@code server} off from every other server, both directions, quorum and election ports alike; its
     * clients still reach it. A follower goes on answering reads until {@link #syncTimeout()}; writes and syncs wait.
     */
    public void isolate(int server) {
        forEachOther(server, other -> cutLink(server, other));
    }

    /** Heals every link of {@code server}: what was sent across them meanwhile is delivered, in order. */
    public void rejoin(int server) {
        forEachOther(server, other -> healLink(server, other));
    }

    /** Cuts the link between servers {@code a} and {@code b}, both directions, quorum and election ports alike. */
    public void cutLink(int a, int b) {
        partitionableLinks().cut(a, b);
    }

    public void healLink(int a, int b) {
        partitionableLinks().heal(a, b);
    }

    private void forEachOther(int server, IntConsumer action) {
        IntStream.range(0, SERVERS).filter(other -> other != server).forEach(action);
    }

    private PeerLinks partitionableLinks() {
        return links.orElseThrow(() -> new IllegalStateException("the ensemble was not started partitionable"));
    }

    @Override
    public void close() throws Exception {
        try {
            cluster.close();
        } finally {
            links.ifPresent(PeerLinks::close);
        }
    }
}
