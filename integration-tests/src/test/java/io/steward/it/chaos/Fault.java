package io.steward.it.chaos;

import static org.awaitility.Awaitility.await;

import io.steward.it.LocalCluster;
import io.steward.it.LocalCluster.Node;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.Random;

/**
 * What the chaos run does to a cluster, always to the current primary's node or its links unless said otherwise, and
 * what undoes it. Each fault holds for the run's {@link Holds} (a crash undoes itself: the agent restarts the server,
 * or a replica takes over), then is repaired.
 */
enum Fault {
    /** SIGKILL of the primary's database server (postmaster, redis-server): the agent restarts it, or hands over. */
    SERVER_KILLED("database server SIGKILLed") {
        @Override
        Repair inflict(Scene scene) throws Exception {
            scene.primary().killServer();
            return () -> {};
        }
    },
    /** SIGKILL of the primary's agent: its fence guard stops the server, a replica takes over; the agent restarts. */
    AGENT_KILLED("agent SIGKILLed") {
        @Override
        Repair inflict(Scene scene) throws Exception {
            Node primary = scene.primary();
            primary.killAgent();
            scene.cluster().awaitNewPrimary(primary);
            return primary::startAgent;
        }
    },
    /** Agent and server SIGKILLed together (the node lost); it comes back later and rejoins. */
    NODE_LOST("agent and server SIGKILLed") {
        @Override
        Repair inflict(Scene scene) throws Exception {
            Node primary = scene.primary();
            primary.killNode();
            scene.cluster().awaitNewPrimary(primary);
            return primary::startAgent;
        }
    },
    /** SIGSTOP of the primary's agent (a stalled VM, swapping): its guard fences on the deadline. */
    AGENT_PAUSED("agent SIGSTOPped") {
        @Override
        Repair inflict(Scene scene) throws Exception {
            Node primary = scene.primary();
            primary.pauseAgent();
            Thread.sleep(scene.holds().pause().toMillis()); // the fault's length
            return primary::resumeAgent;
        }
    },
    /** One ZooKeeper server (the leader or a follower, at random) killed, then restarted on its data. */
    ZOOKEEPER_SERVER_KILLED("a ZooKeeper server killed") {
        @Override
        Repair inflict(Scene scene) throws Exception {
            int server = scene.random().nextInt(3);
            scene.cluster().zookeeper().kill(server);
            Thread.sleep(scene.holds().zooKeeperServer().toMillis()); // the fault's length
            return () -> scene.cluster().zookeeper().restart(server);
        }
    },
    /** The primary's agent cut off from every ZooKeeper server (connections go silent); its database still served. */
    AGENT_BLACKHOLED("primary's agent blackholed from ZooKeeper") {
        @Override
        Repair inflict(Scene scene) throws Exception {
            Node primary = scene.primary();
            primary.cutFromZooKeeper();
            Thread.sleep(scene.holds().blackhole().toMillis()); // the fault's length
            return primary::reconnectToZooKeeper;
        }
    },
    /**
     * The ZooKeeper server the primary's agent talks to cut off from the rest of the ensemble: it goes on answering the
     * agent's plain reads with an ageing copy until it gives up on its leader.
     */
    PRIMARYS_SERVER_CUT("primary's ZooKeeper server cut from its leader") {
        @Override
        Repair inflict(Scene scene) throws Exception {
            Node primary = scene.primary();
            int server = await("the ZooKeeper server " + primary.name() + "'s agent talks to")
                    .atMost(Duration.ofSeconds(30))
                    .until(primary::zooKeeperServerInUse, OptionalInt::isPresent)
                    .getAsInt();
            scene.cluster().zookeeper().isolate(server);
            Thread.sleep(scene.holds().cut().toMillis()); // the fault's length
            return () -> scene.cluster().zookeeper().rejoin(server);
        }
    };

    private final String description;

    Fault(String description) {
        this.description = description;
    }

    String description() {
        return description;
    }

    /** Does the fault to the scene's primary; returns what undoes it. */
    abstract Repair inflict(Scene scene) throws Exception;

    /** What undoes a fault. */
    @FunctionalInterface
    interface Repair {
        void run() throws Exception;
    }

    /** How long the faults that last (rather than crash) are held. */
    record Holds(Duration pause, Duration blackhole, Duration cut, Duration zooKeeperServer) {
        /** Long enough that every fault outlasts the lease and the session: as the chaos run asks. */
        static final Holds LONG = new Holds(
                Duration.ofSeconds(20), Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(15));
        /** Still longer than the session timeout (5 s), shorter for the suite. */
        static final Holds SHORT =
                new Holds(Duration.ofSeconds(8), Duration.ofSeconds(8), Duration.ofSeconds(8), Duration.ofSeconds(6));
    }

    /** The cluster a fault is done to, and its primary when it is done. */
    record Scene(LocalCluster cluster, Node primary, Holds holds, Random random) {}
}
