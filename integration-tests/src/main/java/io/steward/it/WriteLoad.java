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
    public record Ack(long id, String node, long sentNanos, long ackNanos) {
    }

    /** A write a node did not acknowledge. */
    private record Failure(String node, long nanos) {
    }

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

    private <T extends LoadTarget> WriteLoad(List<? extends T> nodes, SessionOpener<T> opener) {
        this.writers = Executors.newFixedThreadPool(nodes.size());
        for (T node : nodes) {
            writers.execute(() -> writeTo(node, opener));
        }
    }

    /** Starts writing to every node of the cluster (PostgreSQL: creates the table on the current primary first). */
    public static WriteLoad start(LocalCluster cluster) throws SQLException {
        return cluster.database() == Database.REDIS ? startRedis(cluster.nodes(), LocalCluster.SUPERUSER_PASSWORD)
                : start(cluster.nodes(), cluster.awaitPrimary());
    }

    /** Creates the table on {@code primary} and starts writing to every one of {@code nodes}. */
    public static WriteLoad start(List<? extends WriteTarget> nodes, WriteTarget primary) throws SQLException {
        try (Connection c = DriverManager.getConnection(primary.jdbcUrl(), primary.connectionProperties())) {
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS acked (id bigint PRIMARY KEY, node text NOT NULL,"
                    + " at timestamptz NOT NULL DEFAULT clock_timestamp())");
        }
        return new WriteLoad(nodes, WriteLoad::sqlSession);
    }

    /** Starts writing keys {@code acked:<id>} to every node of a Redis cluster, authenticated with {@code password}. */
    public static WriteLoad startRedis(List<? extends RedisTarget> nodes, String password) {
        return new WriteLoad(nodes, (RedisTarget node) -> redisSession(node, password));
    }

    private static Session sqlSession(WriteTarget node) throws SQLException {
        Properties props = node.connectionProperties();
        props.setProperty("connectTimeout", "1");
        props.setProperty("socketTimeout", "10");
        Connection connection = DriverManager.getConnection(node.jdbcUrl(), props);
        return new Session() {
            @Override
            public void write(long id) throws SQLException {
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO acked (id, node) VALUES (?, ?)")) {
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

    private static Session redisSession(RedisTarget node, String password) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(node.databasePort())
                .withPassword(password.toCharArray()).withTimeout(Duration.ofSeconds(10)).build());
        client.setOptions(ClientOptions.builder().autoReconnect(false)
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build()).build());
        StatefulRedisConnection<String, String> connection;
        try {
            connection = client.connect();
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            throw e;
        }
        return new Session() {
            @Override
            public void write(long id) {
                connection.sync().set("acked:" + id, node.name());
            }

            @Override
            public void close() {
                connection.close();
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        };
    }

    private <T extends LoadTarget> void writeTo(T node, SessionOpener<T> opener) {
        Session session = null;
        while (running) {
            try {
                if (session == null) {
                    session = opener.open(node);
                }
                long id = ids.incrementAndGet();
                long sent = System.nanoTime();
                session.write(id);
                acks.add(new Ack(id, node.name(), sent, System.nanoTime()));
            } catch (Exception e) {
                failures.add(new Failure(node.name(), System.nanoTime()));
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
            spans.merge(ack.node(), new Span(ack.node(), ack.ackNanos(), ack.ackNanos(), 1), (a, b) -> new Span(a.node(),
                    Math.min(a.firstNanos(), b.firstNanos()), Math.max(a.lastNanos(), b.lastNanos()), a.count() + b.count()));
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
     * How many acknowledgements a node gave inside another node's span of acknowledgements: 0 unless two nodes took
     * writes as primaries at the same time.
     */
    public long overlappingAcks() {
        List<Span> spans = spans();
        return acks().stream().filter(ack -> spans.stream().anyMatch(span -> !span.node().equals(ack.node())
                && span.firstNanos() <= ack.ackNanos() && ack.ackNanos() <= span.lastNanos())).count();
    }

    /**
     * The first write acknowledged after {@code node} stopped acknowledging: the first acknowledgement (by any node)
     * of a write sent after {@code node}'s first failure following {@code since}. Commits already under way when a
     * postmaster is killed may still be acknowledged; they do not mean writes are possible again.
     */
    public Optional<Ack> firstAckAfterOutageOf(String node, long since) {
        Optional<Long> outage = failures.stream().filter(f -> f.node().equals(node) && f.nanos() > since)
                .map(Failure::nanos).min(Long::compare);
        return outage.flatMap(start -> acks().stream().filter(a -> a.sentNanos() > start)
                .min(Comparator.comparingLong(Ack::ackNanos)));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        writers.shutdown();
        writers.awaitTermination(30, TimeUnit.SECONDS);
    }

    private static void pause() {
        try {
            Thread.sleep(20); // client retry pacing, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
