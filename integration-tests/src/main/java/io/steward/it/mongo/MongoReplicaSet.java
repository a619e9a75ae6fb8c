package io.steward.it.mongo;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A MongoDB replica set for tests, in this JVM: members that speak the wire protocol to the official Java driver on
 * 127.0.0.1, each on its own free port, with real state behind them (mongo-java-server's in-memory storage per member,
 * an oplog, configs, terms, elections). Members start empty and un-initiated, like fresh {@code mongod --replSet}
 * processes; tests initiate and reconfigure them with the real commands.
 *
 * <p>Modelled as mongod 7.0 does it: hello/isMaster (with awaitable hello and topologyVersion), replSetInitiate,
 * replSetReconfig (version and term ordering, one voter change at a time, quorum check, force), replSetGetConfig,
 * replSetGetStatus, replSetStepDown, replSetFreeze, fsync lock/fsyncUnlock, currentOp, serverStatus, getCmdLineOpts;
 * writes only on the primary, replicated through an oplog of OpTimes, acknowledged per write concern; elections after
 * the election timeout by a majority of voters (arbiters included) for the most up-to-date, highest-priority electable
 * member, with the term and electionId advancing; a primary without a majority steps down; priority takeover.
 *
 * <p>Deliberately left out: network partitions (a running member reaches every other), authentication, transactions,
 * retryable-write deduplication, chained replication and replication delay ({@code secondaryDelaySecs} is kept and
 * reported only), exhaust (moreToCome) hello streaming, and rollback as such (a member whose oplog diverged from the
 * primary's copies all data again, as an initial sync does). Hosts are only known as {@code 127.0.0.1:<port>}.
 */
public final class MongoReplicaSet implements AutoCloseable {
    private final String name;
    private final ReplicaSetNetwork network;
    private final EventLoopGroup eventLoops;
    private final ExecutorService workers;
    private final List<MongoReplicaSetMember> members = new ArrayList<>();

    private MongoReplicaSet(Builder builder) {
        this.name = builder.name;
        this.network = new ReplicaSetNetwork(builder.electionTimeout, builder.heartbeatInterval);
        this.eventLoops =
                new MultiThreadIoEventLoopGroup(2, daemonThreads("mongo-replica-set-io"), NioIoHandler.newFactory());
        this.workers = Executors.newCachedThreadPool(daemonThreads("mongo-replica-set-command"));
        for (int i = 0; i < builder.members; i++) {
            addMember();
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code count} fresh members of a set named "rs0", with the default timings. */
    public static MongoReplicaSet start(int count) {
        return builder().members(count).start();
    }

    public String name() {
        return name;
    }

    public synchronized List<MongoReplicaSetMember> members() {
        return List.copyOf(members);
    }

    public synchronized MongoReplicaSetMember member(int index) {
        return members.get(index);
    }

    /** Starts one more fresh member with this set's name, ready to be added by a reconfig. */
    public MongoReplicaSetMember addMember() {
        return addMember(name);
    }

    /** Starts one more fresh member with another {@code --replSet} name, which this set's members will not accept. */
    public synchronized MongoReplicaSetMember addMember(String replSetName) {
        MongoReplicaSetMember member = new MongoReplicaSetMember(network, eventLoops, workers, replSetName);
        members.add(member);
        return member;
    }

    /** The members' host strings, in the order they were started: what a config's {@code members} lists. */
    public List<String> hosts() {
        return members().stream().map(MongoReplicaSetMember::host).toList();
    }

    /** A replica-set connection string over every member: {@code mongodb://h1,h2,.../?replicaSet=<name>}. */
    public String connectionString() {
        return "mongodb://" + String.join(",", hosts()) + "/?replicaSet=" + name;
    }

    /** The running member that is primary, if any, as the fixture knows it (tests should ask the driver). */
    public Optional<MongoReplicaSetMember> primary() {
        return members().stream()
                .filter(member -> member.state() == MemberState.PRIMARY)
                .findFirst();
    }

    /** Stops every member and the threads behind them. */
    @Override
    public void close() {
        members().forEach(MongoReplicaSetMember::kill);
        network.close();
        workers.shutdownNow();
        eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    public String toString() {
        return members().stream()
                .map(member -> member.host() + "=" + member.state())
                .collect(Collectors.joining(", ", name + "[", "]"));
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** How many members to start, under which set name, and how fast heartbeats and elections go. */
    public static final class Builder {
        private String name = "rs0";
        private int members = 3;
        private Duration electionTimeout = Duration.ofSeconds(1);
        private Duration heartbeatInterval = Duration.ofMillis(100);

        private Builder() {}

        /** The {@code --replSet} name of the members (default "rs0"). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** How many fresh members to start (default 3). */
        public Builder members(int members) {
            this.members = members;
            return this;
        }

        /**
         * The {@code settings.electionTimeoutMillis} a config gets when it names none (default 1 s; mongod's is
         * 10 s): how long members go without a primary before electing one.
         */
        public Builder electionTimeout(Duration electionTimeout) {
            this.electionTimeout = electionTimeout;
            return this;
        }

        /** How often members exchange heartbeats: config, term and oplog travel at this pace (default 100 ms). */
        public Builder heartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
            return this;
        }

        public MongoReplicaSet start() {
            return new MongoReplicaSet(this);
        }
    }
}
