package io.steward.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What each mode of {@link TcpProxy} does to the two ends of a connection, on real sockets. */
@Tag("servers")
class TcpProxyTest {
    /** How long silence must last to count as silence here. */
    private static final int QUIET_MILLIS = 1_000;
    /** How long a reset may take to reach an end, generously. */
    private static final int PROMPT_MILLIS = 5_000;

    private ServerSocket target;
    private TcpProxy proxy;

    @BeforeEach
    void startTargetAndProxy() throws IOException {
        target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        target.setSoTimeout(PROMPT_MILLIS);
        proxy = new TcpProxy(new InetSocketAddress("127.0.0.1", target.getLocalPort()));
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        target.close();
    }

    @Test
    @Timeout(30)
    void bytesSentWhileBlackholedArriveIntactAndInOrderOncePassed() throws Exception {
        try (Socket client = connect();
                Socket server = target.accept()) {
            echoCheck(client, server);

            proxy.blackhole();
            // more than the relay's buffer and the kernel's on both sides together: the writer blocks, as on a
            // partitioned network once the window is full, and must not lose anything meanwhile
            byte[] upstream = randomBytes(4 << 20, 1);
            byte[] downstream = randomBytes(64 << 10, 2);
            CompletableFuture<Void> sendingUp = sendInBackground(client, upstream);
            CompletableFuture<Void> sendingDown = sendInBackground(server, downstream);
            assertSilent(server);
            assertSilent(client);
            assertThat(sendingUp)
                    .as("the writer is held back, not drained into a void")
                    .isNotDone();

            proxy.pass();
            assertThat(readExactly(server, upstream.length)).isEqualTo(upstream);
            assertThat(readExactly(client, downstream.length)).isEqualTo(downstream);
            sendingUp.get();
            sendingDown.get();
            echoCheck(client, server);
        }
    }

    @Test
    @Timeout(30)
    void aBlackholedConnectionStaysOpenAndEvenACloseWaitsUntilPassed() throws Exception {
        try (Socket client = connect();
                Socket server = target.accept()) {
            proxy.blackhole();
            assertSilentFor(client, 3 * QUIET_MILLIS);
            assertSilent(server);
            proxy.pass();
            echoCheck(client, server);

            proxy.blackhole();
            client.close();
            assertSilent(server);

            proxy.pass();
            server.setSoTimeout(PROMPT_MILLIS);
            assertThat(server.getInputStream().read())
                    .as("the close, delivered once passed")
                    .isEqualTo(-1);
        }
    }

    @Test
    @Timeout(30)
    void aConnectionOpenedWhileBlackholedReachesTheTargetButCarriesNothingUntilPassed() throws Exception {
        proxy.blackhole();
        try (Socket client = connect();
                Socket server = target.accept()) {
            client.getOutputStream().write("hello".getBytes());
            assertSilent(server);

            proxy.pass();
            assertThat(readExactly(server, 5)).isEqualTo("hello".getBytes());
        }
    }

    @Test
    @Timeout(30)
    void resetResetsBothEndsAtOnceAndEveryNewConnectionUntilPassed() throws Exception {
        try (Socket client = connect();
                Socket server = target.accept()) {
            proxy.reset();
            assertReset(client);
            assertReset(server);
        }

        try (Socket client = connect()) {
            try {
                client.getOutputStream().write("anyone?".getBytes());
                assertReset(client);
            } catch (SocketException e) {
                // the proxy's reset came before the write: that is what is being checked
                assertThat(e).hasMessageContaining("reset");
            }
            target.setSoTimeout(QUIET_MILLIS);
            assertThatThrownBy(target::accept)
                    .as("nothing reaches the target")
                    .isInstanceOf(SocketTimeoutException.class);
            target.setSoTimeout(PROMPT_MILLIS);
        }

        proxy.pass();
        try (Socket client = connect();
                Socket server = target.accept()) {
            echoCheck(client, server);
        }
    }

    @Test
    @Timeout(30)
    void aBlackholedConnectionThatIsResetIsGoneEvenAfterPassing() throws Exception {
        try (Socket client = connect();
                Socket server = target.accept()) {
            proxy.blackhole();
            client.getOutputStream().write("lost with the connection".getBytes());
            proxy.reset();
            assertReset(server);
            assertReset(client);
            proxy.pass();
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", proxy.port());
        socket.setSoTimeout(PROMPT_MILLIS);
        return socket;
    }

    /** One byte each way, within {@link #PROMPT_MILLIS}. */
    private static void echoCheck(Socket client, Socket server) throws IOException {
        client.getOutputStream().write(42);
        assertThat(readExactly(server, 1)).containsExactly(42);
        server.getOutputStream().write(43);
        assertThat(readExactly(client, 1)).containsExactly(43);
    }

    private static void assertSilent(Socket socket) throws IOException {
        assertSilentFor(socket, QUIET_MILLIS);
    }

    /** Nothing arrives, neither data nor end of stream nor reset, for that long. */
    private static void assertSilentFor(Socket socket, int millis) throws IOException {
        int timeout = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        } finally {
            socket.setSoTimeout(timeout);
        }
    }

    private static void assertReset(Socket socket) throws IOException {
        socket.setSoTimeout(PROMPT_MILLIS);
        assertThatThrownBy(() -> socket.getInputStream().read())
                .isInstanceOf(SocketException.class)
                .hasMessageContaining("Connection reset");
    }

    private static byte[] readExactly(Socket socket, int length) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] bytes = in.readNBytes(length);
        assertThat(bytes).as("bytes before the end of stream").hasSize(length);
        return bytes;
    }

    private static CompletableFuture<Void> sendInBackground(Socket socket, byte[] bytes) {
        return CompletableFuture.runAsync(
                () -> {
                    try {
                        socket.getOutputStream().write(bytes);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                },
                runnable -> {
                    Thread thread = new Thread(runnable, "tcp-proxy-test-sender");
                    thread.setDaemon(true);
                    thread.start();
                });
    }

    private static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
