package io.steward.it;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Clients writing to EVERY node at once, as fast as each node lets them: a zombie primary that still accepts writes
 * is caught in the act, not only the node a client believes is primary. Every acknowledged write is recorded with
 * the node that acknowledged it and the moment the acknowledgement arrived.
 */
public final class WriteLoad implements AutoCloseable {
    /** One acknowledged write: when the client sent it and when the acknowledgement arrived. */
    public record Ack(long id, String node, long sentNanos, long ackNanos) {}

    /** A write a node did not acknowledge, and why. */
    private record Failure(String node, long nanos, String reason) {}

    /** The span of time during which a node acknowledged writes. */
    public record Span(String node, long firstNanos, long lastNanos, int count) {
        boolean overlaps(Span other) {
            return firstNanos <= other.lastNanos && other.firstNanos <= lastNanos;
        }
    }

    private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    /** Ids unique across loads on the same table: each load starts from its own start time. */
    private final AtomicLong ids = new AtomicLong(System.currentTimeMillis() * 1000);

    private final ExecutorService writers;
    /** Per node, what its writer is doing and since when: says why a node gave no acknowledgement for a while. */
    private final Map<String, String> activity = new java.util.concurrent.ConcurrentHashMap<>();
    /** Clients shared by one node's writes (each write may still open its own connection). */
    private final ConcurrentLinkedQueue<RedisClient> redisClients = new ConcurrentLinkedQueue<>();
    /** A new connection for every write, as a client behind a load balancer or a connection-per-request app makes. */
    private final boolean freshConnections;

    private volatile boolean running = true;

    /** One client's connection to one node; any exception from it counts as a write the node did not take. */
    private interface Session extends AutoCloseable {
        void write(long id) throws Exception;

        @Override
        void close();
    }

    @FunctionalInterface
    private interface SessionOpener<T extends LoadTarget> {
        Session open(T node) throws Exception;
    }

    /** Makes one node's session opener: what it needs for the whole load (a Redis client) is made once, here. */
    @FunctionalInterface
    private interface OpenerFactory<T extends LoadTarget> {
        SessionOpener<T> forNode(WriteLoad load, T node);
    }

    private <T extends LoadTarget> WriteLoad(
            List<? extends T> nodes, OpenerFactory<T> openers, boolean freshConnections) {
        this.freshConnections = freshConnections;
        this.writers = Executors.newFixedThreadPool(nodes.size());
        for (T node : nodes) {
            SessionOpener<T> opener = openers.forNode(this, node);
            writers.execute(() -> writeTo(node, opener));
        }
    }

    /** Starts writing to every node of the cluster (PostgreSQL: creates the table on the current primary first). */
    public static WriteLoad start(LocalCluster cluster) throws SQLException {
        return start(cluster, false);
    }

    /** As {@link #start(LocalCluster)}, with a new connection for every write. */
    public static WriteLoad startWithFreshConnections(LocalCluster cluster) throws SQLException {
        return start(cluster, true);
    }

    private static WriteLoad start(LocalCluster cluster, boolean freshConnections) throws SQLException {
        if (cluster.database() == Database.REDIS) {
            return new WriteLoad(cluster.nodes(), redisOpener(LocalCluster.SUPERUSER_PASSWORD), freshConnections);
        }
        createTable(cluster.awaitPrimary());
        return new WriteLoad(cluster.nodes(), (load, node) -> WriteLoad::sqlSession, freshConnections);
    }

    /** Creates the table on {@code primary} and starts writing to every one of {@code nodes}. */
    public static WriteLoad start(List<? extends WriteTarget> nodes, WriteTarget primary) throws SQLException {
        createTable(primary);
        return new WriteLoad(nodes, (load, node) -> WriteLoad::sqlSession, false);
    }

    private static void createTable(WriteTarget primary) throws SQLException {
        try (Connection c = DriverManager.getConnection(primary.jdbcUrl(), primary.connectionProperties())) {
            c.createStatement()
                    .execute("CREATE TABLE IF NOT EXISTS acked (id bigint PRIMARY KEY, node text NOT NULL,"
                            + " at timestamptz NOT NULL DEFAULT clock_timestamp())");
        }
    }

    /** Starts writing keys {@code acked:<id>} to every node of a Redis cluster, authenticated with {@code password}. */
    public static WriteLoad startRedis(List<? extends RedisTarget> nodes, String password) {
        return new WriteLoad(nodes, redisOpener(password), false);
    }

    private static Session sqlSession(WriteTarget node) throws SQLException {
        Properties props = node.connectionProperties();
        props.setProperty("connectTimeout", "1");
        props.setProperty("socketTimeout", "10");
        Connection connection = DriverManager.getConnection(node.jdbcUrl(), props);
        return new Session() {
            @Override
            public void write(long id) throws SQLException {
                try (PreparedStatement insert =
                        connection.prepareStatement("INSERT INTO acked (id, node) VALUES (?, ?)")) {
                    insert.setLong(1, id);
                    insert.setString(2, node.name());
                    insert.executeUpdate();
                }
            }

            @Override
            public void close() {
                try {
                    connection.close();
                } catch (SQLException e) {
                    // gone already
                }
            }
        };
    }

    /**
     * One Redis client per node for the whole load (a client owns event-loop threads: one per write would make the
     * load measure thread start-up), a new connection from it per session.
     */
    private static OpenerFactory<RedisTarget> redisOpener(String password) {
        return (load, node) -> {
            RedisClient client = RedisClient.create(RedisURI.builder()
                    .withHost("127.0.0.1")
                    .withPort(node.databasePort())
                    .withPassword(password.toCharArray())
                    .withTimeout(Duration.ofSeconds(10))
                    .build());
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(false)
                    .socketOptions(SocketOptions.builder()
                            .connectTimeout(Duration.ofSeconds(1))
                            .build())
                    .build());
            load.redisClients.add(client);
            return target -> {
                StatefulRedisConnection<String, String> connection = client.connect();
                return new Session() {
                    @Override
                    public void write(long id) {
                        connection.sync().set("acked:" + id, target.name());
                    }

                    @Override
                    public void close() {
                        connection.close();
                    }
                };
            };
        };
    }

    private <T extends LoadTarget> void writeTo(T node, SessionOpener<T> opener) {
        Session session = null;
        while (running) {
            try {
                if (session == null) {
                    activity.put(node.name(), "opening a connection since " + System.nanoTime());
                    session = opener.open(node);
                }
                long id = ids.incrementAndGet();
                long sent = System.nanoTime();
                activity.put(node.name(), "writing since " + sent);
                session.write(id);
                acks.add(new Ack(id, node.name(), sent, System.nanoTime()));
                if (freshConnections) {
                    session.close();
                    session = null;
                }
            } catch (Exception e) {
                failures.add(new Failure(node.name(), System.nanoTime(), String.valueOf(e)));
                activity.put(node.name(), "pausing after a failure at " + System.nanoTime());
                // Not writable now (replica, down, fenced): drop the connection and try again shortly.
                if (session != null) {
                    session.close();
                }
                session = null;
                pause();
            }
        }
        if (session != null) {
            session.close();
        }
    }

    public List<Ack> acks() {
        return new ArrayList<>(acks);
    }

    public int count() {
        return acks.size();
    }

    /** Per node, the span of its acknowledgements, in order of first acknowledgement. */
    public List<Span> spans() {
        Map<String, Span> spans = new LinkedHashMap<>();
        for (Ack ack : acks()) {
            spans.merge(
                    ack.node(),
                    new Span(ack.node(), ack.ackNanos(), ack.ackNanos(), 1),
                    (a, b) -> new Span(
                            a.node(),
                            Math.min(a.firstNanos(), b.firstNanos()),
                            Math.max(a.lastNanos(), b.lastNanos()),
                            a.count() + b.count()));
        }
        List<Span> sorted = new ArrayList<>(spans.values());
        sorted.sort(Comparator.comparingLong(Span::firstNanos));
        return sorted;
    }

    /** Two nodes whose acknowledgement spans overlap: two writable primaries at once. */
    public Optional<String> overlap() {
        List<Span> spans = spans();
        for (int i = 0; i < spans.size(); i++) {
            for (int j = i + 1; j < spans.size(); j++) {
                if (spans.get(i).overlaps(spans.get(j))) {
                    return Optional.of(spans.get(i) + " overlaps " + spans.get(j));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Each node's stretches of acknowledgements without a pause longer than {@code maxGap}, in order of their start.
     * While a node is primary its client is acknowledged every few milliseconds, so a stretch is one stint as primary,
     * however often the primary changes during the load.
     */
    public List<Span> stints(Duration maxGap) {
        List<Ack> sorted = acks();
        sorted.sort(Comparator.comparingLong(Ack::ackNanos));
        Map<String, Span> open = new LinkedHashMap<>();
        List<Span> stints = new ArrayList<>();
        for (Ack ack : sorted) {
            Span current = open.get(ack.node());
            if (current != null && ack.ackNanos() - current.lastNanos() <= maxGap.toNanos()) {
                open.put(ack.node(), new Span(ack.node(), current.firstNanos(), ack.ackNanos(), current.count() + 1));
            } else {
                if (current != null) {
                    stints.add(current);
                }
                open.put(ack.node(), new Span(ack.node(), ack.ackNanos(), ack.ackNanos(), 1));
            }
        }
        stints.addAll(open.values());
        stints.sort(Comparator.comparingLong(Span::firstNanos));
        return stints;
    }

    /** Two stints of different nodes at the same time: two writable primaries. */
    public record Overlap(Span first, Span second) {
        @Override
        public String toString() {
            return first + " overlaps " + second;
        }
    }

    /** Stints ({@link #stints}) of two nodes that overlap: two writable primaries at the same time. */
    public List<Overlap> overlappingStints(Duration maxGap) {
        List<Span> stints = stints(maxGap);
        List<Overlap> overlaps = new ArrayList<>();
        for (int i = 0; i < stints.size(); i++) {
            for (int j = i + 1;
                    j < stints.size()
                            && stints.get(j).firstNanos() <= stints.get(i).lastNanos();
                    j++) {
                if (!stints.get(i).node().equals(stints.get(j).node())) {
                    overlaps.add(new Overlap(stints.get(i), stints.get(j)));
                }
            }
        }
        return overlaps;
    }

    /**
     * How many acknowledgements a node gave inside another node's span of acknowledgements: 0 unless two nodes took
     * writes as primaries at the same time.
     */
    public long overlappingAcks() {
        List<Span> spans = spans();
        return acks().stream()
                .filter(ack -> spans.stream()
                        .anyMatch(span -> !span.node().equals(ack.node())
                                && span.firstNanos() <= ack.ackNanos()
                                && ack.ackNanos() <= span.lastNanos()))
                .count();
    }

    /**
     * The first write acknowledged after {@code node} stopped acknowledging: the first acknowledgement (by any node)
     * of a write sent after {@code node}'s first failure following {@code since}. Commits already under way when a
     * postmaster is killed may still be acknowledged; they do not mean writes are possible again.
     */
    public Optional<Ack> firstAckAfterOutageOf(String node, long since) {
        Optional<Long> outage = failures.stream()
                .filter(f -> f.node().equals(node) && f.nanos() > since)
                .map(Failure::nanos)
                .min(Long::compare);
        return outage.flatMap(start ->
                acks().stream().filter(a -> a.sentNanos() > start).min(Comparator.comparingLong(Ack::ackNanos)));
    }

    /** A stretch without any acknowledgement, from any node: {@code fromNanos} to {@code toNanos}. */
    public record Gap(long fromNanos, long toNanos) {
        public long millis() {
            return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
        }
    }

    /**
     * The longest stretch between {@code fromNanos} and {@code toNanos} in which no node acknowledged a write, counting
     * {@code fromNanos} itself as an acknowledgement: how long the cluster as a whole could not take writes, whichever
     * node took them before and after. Unlike {@link #firstAckAfterOutageOf}, a single failed write (a connection
     * refused under load) starts no outage.
     */
    public Gap longestGap(long fromNanos, long toNanos) {
        List<Long> times = new ArrayList<>();
        times.add(fromNanos);
        acks.stream()
                .mapToLong(Ack::ackNanos)
                .filter(t -> t > fromNanos && t <= toNanos)
                .sorted()
                .forEach(times::add);
        times.add(toNanos);
        Gap longest = new Gap(fromNanos, fromNanos);
        for (int i = 1; i < times.size(); i++) {
            if (times.get(i) - times.get(i - 1) > longest.toNanos() - longest.fromNanos()) {
                longest = new Gap(times.get(i - 1), times.get(i));
            }
        }
        return longest;
    }

    /**
     * What {@code node}'s writer is doing (with {@link System#nanoTime()} stamps) and its last failure: for the message
     * of a test that waited in vain for the node's acknowledgements.
     */
    public String describe(String node) {
        Optional<Failure> last =
                failures.stream().filter(f -> f.node().equals(node)).max(Comparator.comparingLong(Failure::nanos));
        return node + "'s writer: " + activity.getOrDefault(node, "not started") + " (now " + System.nanoTime()
                + "); last failure: "
                + last.map(f -> f.reason() + " at " + f.nanos()).orElse("none");
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        writers.shutdown();
        writers.awaitTermination(30, TimeUnit.SECONDS);
        for (RedisClient client : redisClients) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20); // client retry pacing, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
