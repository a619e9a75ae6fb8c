package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.ExecutorService;

/**
 * One member of a {@link MongoReplicaSet}: a {@code mongod --replSet <name> --bind_ip 127.0.0.1 --port <port>} as
 * the driver sees it, with its own data and oplog. It keeps its port and, like a mongod with its dbpath, its data,
 * oplog, config and term across {@link #stop()}/{@link #kill()} and {@link #start()}; a restarted member comes back
 * as a SECONDARY (or ARBITER) and catches up from the primary.
 */
public final class MongoReplicaSetMember {
    private final ReplicaSetNetwork network;
    private final EventLoopGroup eventLoops;
    private final ExecutorService workers;
    private final ReplicaSetNode node;
    private final CommandRouter commands;
    private final int port;
    private MemberServer server;

    MongoReplicaSetMember(
            ReplicaSetNetwork network, EventLoopGroup eventLoops, ExecutorService workers, String replSetName) {
        this.network = network;
        this.eventLoops = eventLoops;
        this.workers = workers;
        LateBoundCommands deferred = new LateBoundCommands();
        server = MemberServer.listen(0, eventLoops, workers, deferred);
        port = server.port();
        node = new ReplicaSetNode("127.0.0.1:" + port, replSetName);
        commands = new CommandRouter(network, node, workers);
        deferred.target = commands;
        network.add(node);
        network.started(node);
    }

    /** The member's name in configs and hello replies: {@code 127.0.0.1:<port>}. */
    public String host() {
        return node.host;
    }

    public int port() {
        return port;
    }

    /** The {@code --replSet} name it was started with. */
    public String replSetName() {
        return node.replSetName;
    }

    /** A connection string for this member alone, as for a fresh or maintenance mongod. */
    public String directConnectionString() {
        return "mongodb://" + host() + "/?directConnection=true";
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Its state as replSetGetStatus shows it on the member itself; DOWN while stopped. */
    public MemberState state() {
        synchronized (network) {
            return node.running ? node.state() : MemberState.DOWN;
        }
    }

    /** Starts it again on the same port, with the data, oplog and config it had. */
    public synchronized void start() {
        if (server != null) {
            throw new IllegalStateException(host() + " is already running");
        }
        server = MemberServer.listen(port, eventLoops, workers, commands);
        network.started(node);
    }

    /** A clean shutdown: a primary hands over to an electable secondary at once, as mongod's election handoff does. */
    public void stop() {
        shutDown(true);
    }

    /** Like {@code kill -9}: the others elect a new primary only once the election timeout has passed. */
    public void kill() {
        shutDown(false);
    }

    private synchronized void shutDown(boolean handOver) {
        if (server == null) {
            return;
        }
        network.stopping(node, handOver);
        server.close();
        server = null;
    }

    /** Lets the listener exist before the member it serves: nobody knows the port until the constructor returns. */
    private static final class LateBoundCommands implements MemberServer.Commands {
        private volatile MemberServer.Commands target;

        @Override
        public int connected(Channel channel) {
            return target.connected(channel);
        }

        @Override
        public void disconnected(Channel channel) {
            target.disconnected(channel);
        }

        @Override
        public Document run(Document command, String database, Channel channel, int connectionId) {
            return target.run(command, database, channel, connectionId);
        }
    }

    @Override
    public String toString() {
        return host() + " (" + replSetName() + ")";
    }
}
