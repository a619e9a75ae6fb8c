package io.steward.testing;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * A TCP relay listening on 127.0.0.1 that forwards every connection to one target and can fail the way a network
 * does, switched at any time from any thread:
 * <ul>
 *   <li>{@link #pass()}: both directions are forwarded;</li>
 *   <li>{@link #blackhole()}: a partition. Connections stay open and nothing crosses in either direction, not even a
 *       close; what is sent meanwhile is held, in order, and delivered once the proxy passes again, as TCP retransmits
 *       after a partition heals. Each side only notices by its own timeouts. A connection opened meanwhile is still
 *       accepted and connected to the target (where a real partition would lose the handshake too), then as silent;</li>
 *   <li>{@link #reset()}: every connection is reset (RST) on both sides, and so is every new one until the mode
 *       changes, as by a firewall that rejects.</li>
 * </ul>
 * Bytes a relay thread has already handed to the kernel when the mode changes still arrive, like packets in flight.
 */
public final class TcpProxy implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

    private enum Mode {
        PASS,
        BLACKHOLE,
        RESET,
        CLOSED;

        /** Whether it ends every open connection and turns new ones away. */
        boolean endsConnections() {
            return this == RESET || this == CLOSED;
        }
    }

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final UnaryOperator<InputStream> fromClients;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition modeChanged = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final Set<Connection> connections = new HashSet<>();
    /** Guarded by {@link #lock}. */
    private Mode mode = Mode.PASS;

    /** A proxy on a port the kernel picks. */
    public TcpProxy(InetSocketAddress target) throws IOException {
        this(0, target);
    }

    /** @param listenPort 0 for one the kernel picks */
    public TcpProxy(int listenPort, InetSocketAddress target) throws IOException {
        this(listenPort, target, UnaryOperator.identity());
    }

    /**
     * @param fromClients wraps what each client sends before it is relayed, e.g. to rewrite a protocol's greeting;
     *        it is read on the relay's own thread, so it may block
     */
    public TcpProxy(int listenPort, InetSocketAddress target, UnaryOperator<InputStream> fromClients)
            throws IOException {
        this.listener = new ServerSocket(listenPort, 50, InetAddress.getLoopbackAddress());
        this.target = target;
        this.fromClients = fromClients;
        startDaemon("tcp-proxy-" + port() + "-accept", this::acceptConnections);
    }

    public int port() {
        return listener.getLocalPort();
    }

    public void pass() {
        switchTo(Mode.PASS);
    }

    /** How many relayed connections are open now: a client that talks to the target through here has one. */
    public int openConnections() {
        lock.lock();
        try {
            return connections.size();
        } finally {
            lock.unlock();
        }
    }

    public void blackhole() {
        switchTo(Mode.BLACKHOLE);
    }

    public void reset() {
        for (Connection connection : switchTo(Mode.RESET)) {
            connection.resetBothEnds();
        }
    }

    @Override
    public void close() {
        closeQuietly(listener);
        for (Connection connection : switchTo(Mode.CLOSED)) {
            connection.closeBothEnds();
        }
    }

    /** @return the connections that were open, now marked finished, when the new mode ends them all */
    private List<Connection> switchTo(Mode next) {
        lock.lock();
        try {
            if (mode == Mode.CLOSED) {
                return List.of();
            }
            mode = next;
            modeChanged.signalAll();
            if (!next.endsConnections()) {
                return List.of();
            }
            List<Connection> ended = new ArrayList<>(connections);
            connections.clear();
            ended.forEach(connection -> connection.finished = true);
            return ended;
        } finally {
            lock.unlock();
        }
    }

    private void acceptConnections() {
        while (true) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            Socket server = new Socket();
            try {
                // No TCP_NODELAY: with it, the AWS SDK's URL-connection client talking HTTP to s3proxy through here
                // met "Unexpected end of file from server" on a few requests in a hundred (none without, none direct).
                if (!refusing()) {
                    server.connect(target, CONNECT_TIMEOUT_MILLIS);
                }
            } catch (IOException e) {
                // the target refuses: so does the proxy, at once
            }
            Connection connection = new Connection(client, server);
            if (!server.isConnected() || !register(connection)) {
                connection.resetBothEnds();
                continue;
            }
            String name = "tcp-proxy-" + port() + "-" + client.getPort();
            startDaemon(name + "-up", () -> connection.relay(client, server, fromClients));
            startDaemon(name + "-down", () -> connection.relay(server, client, UnaryOperator.identity()));
        }
    }

    private boolean refusing() {
        lock.lock();
        try {
            return mode.endsConnections();
        } finally {
            lock.unlock();
        }
    }

    /** @return false if the proxy started refusing since the connection was accepted */
    private boolean register(Connection connection) {
        lock.lock();
        try {
            if (refusing()) {
                return false;
            }
            connections.add(connection);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** One accepted connection and the one the proxy opened to the target for it. */
    private final class Connection {
        private final Socket client;
        private final Socket server;
        /** Reset, closed or done: nothing more may be forwarded. Guarded by {@link #lock}. */
        private boolean finished;
        /** Directions whose end of stream has been forwarded. Guarded by {@link #lock}. */
        private int directionsDone;

        Connection(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        /**
         * Copies one direction until its end of stream, holding each chunk, the end of stream and a reset alike until
         * the proxy passes, so that a blackhole loses and reorders nothing.
         */
        void relay(Socket from, Socket to, UnaryOperator<InputStream> filter) {
            byte[] buffer = new byte[16 * 1024];
            try {
                InputStream in = filter.apply(from.getInputStream());
                OutputStream out = to.getOutputStream();
                while (true) {
                    int read;
                    try {
                        read = in.read(buffer);
                    } catch (IOException e) {
                        // the sender was reset (or this proxy closed the socket): the peer learns once it can
                        if (awaitPassing()) {
                            resetBothEnds();
                        }
                        return;
                    }
                    if (!awaitPassing()) {
                        return;
                    }
                    if (read < 0) {
                        to.shutdownOutput();
                        directionDone();
                        return;
                    }
                    out.write(buffer, 0, read);
                }
            } catch (IOException e) {
                // the receiver is gone: a real network would carry its reset back to the sender
                resetBothEnds();
            }
        }

        /** Blocks while the proxy blackholes; false once nothing may be forwarded on this connection any more. */
        private boolean awaitPassing() {
            lock.lock();
            try {
                while (!finished && mode == Mode.BLACKHOLE) {
                    modeChanged.awaitUninterruptibly();
                }
                return !finished;
            } finally {
                lock.unlock();
            }
        }

        private void directionDone() {
            boolean bothDone;
            lock.lock();
            try {
                bothDone = ++directionsDone == 2 && !finished;
                if (bothDone) {
                    finished = true;
                    connections.remove(this);
                }
            } finally {
                lock.unlock();
            }
            if (bothDone) {
                closeBothEnds();
            }
        }

        void resetBothEnds() {
            lock.lock();
            try {
                finished = true;
                connections.remove(this);
            } finally {
                lock.unlock();
            }
            resetQuietly(client);
            resetQuietly(server);
        }

        void closeBothEnds() {
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    /** Closes with SO_LINGER 0, which makes the kernel send RST instead of FIN. */
    private static void resetQuietly(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // already closed or never connected: closing below is all there is to do
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // already closed
        }
    }

    private static void startDaemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }
}
