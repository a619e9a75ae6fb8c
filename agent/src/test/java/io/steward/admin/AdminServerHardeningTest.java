package io.steward.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.steward.backup.ArchivedDump;
import io.steward.backup.SnapshotSet;
import io.steward.config.AdminConfig;
import io.steward.config.RetentionClass;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What slow, many or malformed clients can do to the admin API: not stall what load balancers and members rely on. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AdminServerHardeningTest {
    private static final String TOKEN = "hardening-test-token-of-32-chars";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
    /** Probes must answer within this, whatever else is going on: load balancers give up soon after. */
    private static final Duration PROBE_DEADLINE = Duration.ofSeconds(2);

    private final RecordingBackend backend = new RecordingBackend();
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Socket> sockets = new ArrayList<>();
    private AdminServer server;

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twoHundredConnectionsThatNeverFinishTheirHeadersStallNothingAndAreClosed() throws Exception {
        start(512, SnapshotBackend.NOT_CONFIGURED, DumpBackend.NOT_CONFIGURED);
        for (int i = 0; i < 200; i++) {
            Socket socket = open();
            socket.getOutputStream()
                    .write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        }

        assertThat(probe("GET", "/health", "").statusCode()).isEqualTo(200);
        assertThat(probe("GET", "/primary", "").statusCode()).isEqualTo(200);
        assertThat(probe("POST", "/failsafe", "{\"leader\": \"pg1\", \"epoch\": 3, \"valid_for_ms\": 5000}")
                        .statusCode())
                .isEqualTo(200);

        await("every half-sent request closed by the request timeout")
                .atMost(REQUEST_TIMEOUT.multipliedBy(5))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> sockets.stream().allMatch(AdminServerHardeningTest::closedByPeer));
    }

    @Test
    void aFullQueueIsA503AtOnceAndLongRequestsNeverDelayProbes() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger snapshotsStarted = new AtomicInteger();
        SnapshotBackend slowSnapshots = new SnapshotBackend() {
            @Override
            public SnapshotSet takeSnapshot(RetentionClass retention) {
                snapshotsStarted.incrementAndGet();
                awaitQuietly(release);
                throw new RejectedRequest("released");
            }

            @Override
            public List<SnapshotSet> snapshots() {
                return List.of();
            }
        };
        start(512, slowSnapshots, DumpBackend.NOT_CONFIGURED);
        try {
            // Snapshots that take long (as real ones do) fill their own lane: probes and failsafe calls still answer.
            List<CompletableFuture<HttpResponse<String>>> snapshots = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                snapshots.add(sendAsync("POST", "/snapshot", "{}", Duration.ofMinutes(1)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> snapshotsStarted.get() == 2);
            assertThat(probe("GET", "/health", "").statusCode()).isEqualTo(200);
            assertThat(probe("POST", "/failsafe", "{\"leader\": \"pg1\", \"epoch\": 3, \"valid_for_ms\": 5000}")
                            .statusCode())
                    .isEqualTo(200);
            await("the requests beyond the long lane's queue refused")
                    .atMost(Duration.ofSeconds(10))
                    .until(() ->
                            snapshots.stream().filter(CompletableFuture::isDone).count() == 8 - 2 - 4);
            assertThat(snapshots.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join))
                    .allSatisfy(response -> {
                        assertThat(response.statusCode()).isEqualTo(503);
                        assertThat(response.headers().firstValue("Retry-After")).contains("1");
                    });

            // Probes held in the backend fill the quick lane: the next one is a 503 at once, not a wait.
            backend.beforeSelf = () -> awaitQuietly(release);
            List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
            for (int i = 0; i < 4 + 32; i++) {
                held.add(sendAsync("GET", "/health", "", Duration.ofMinutes(1)));
            }
            // A probe that reaches the server before all the held ones waits in the queue and times out here: it is
            // tried again, and the place it took is one a held request then finds full.
            AtomicInteger probesQueued = new AtomicInteger();
            await("the quick lane full")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        try {
                            return probe("GET", "/health", "").statusCode() == 503;
                        } catch (ExecutionException | TimeoutException e) {
                            probesQueued.incrementAndGet();
                            return false;
                        }
                    });
            release.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> response : held) {
                statuses.add(response.get(30, TimeUnit.SECONDS).statusCode());
            }
            assertThat(statuses)
                    .as("held probes are answered once released")
                    .allSatisfy(s -> assertThat(s).isIn(200, 503));
            assertThat(statuses.stream().filter(s -> s == 503).count())
                    .as("refused only where a queued probe took the place")
                    .isLessThanOrEqualTo(probesQueued.get());
        } finally {
            release.countDown();
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        start(16, SnapshotBackend.NOT_CONFIGURED, DumpBackend.NOT_CONFIGURED);
        for (int i = 0; i < 16; i++) {
            open();
        }
        await("a 17th connection closed at once")
                .atMost(Duration.ofSeconds(20))
                .ignoreExceptions()
                .until(() -> {
                    try (Socket extra = new Socket("127.0.0.1", server.port())) {
                        extra.setSoTimeout(2000);
                        return extra.getInputStream().read() == -1;
                    } catch (SocketException e) {
                        return true;
                    }
                });
        for (Socket socket : sockets) {
            socket.close();
        }
        sockets.clear();
        await("room again")
                .atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(() -> probe("GET", "/health", "").statusCode() == 200);
    }

    @Test
    void aMalformedPercentEscapeIsA400NamingTheParameter() throws Exception {
        start(512, SnapshotBackend.NOT_CONFIGURED, DumpBackend.NOT_CONFIGURED);

        // sent by hand: HTTP clients refuse to send such a URI at all
        String value = rawGet("/replica?lag=%zz");
        String name = rawGet("/replica?l%2=1");

        assertThat(value).startsWith("HTTP/1.1 400 ").contains("query parameter 'lag' has a malformed %-escape");
        assertThat(name).startsWith("HTTP/1.1 400 ").contains("'l%2'").contains("malformed %-escape");
    }

    @Test
    void listingsThatCostAnAwsCallAreAnsweredFromACache() throws Exception {
        AtomicInteger catalogReads = new AtomicInteger();
        AtomicInteger dumpReads = new AtomicInteger();
        SnapshotBackend snapshots = new SnapshotBackend() {
            @Override
            public SnapshotSet takeSnapshot(RetentionClass retention) {
                throw new RejectedRequest("not in this test");
            }

            @Override
            public List<SnapshotSet> snapshots() {
                catalogReads.incrementAndGet();
                return List.of();
            }
        };
        DumpBackend dumps = new DumpBackend() {
            @Override
            public ArchivedDump takeDump() {
                throw new RejectedRequest("not in this test");
            }

            @Override
            public List<ArchivedDump> dumps() {
                dumpReads.incrementAndGet();
                throw new RejectedRequest("S3 says: SlowDown");
            }
        };
        start(512, snapshots, dumps);

        for (int i = 0; i < 5; i++) {
            assertThat(probe("GET", "/snapshots", "").statusCode()).isEqualTo(200);
            HttpResponse<String> dumpList = probe("GET", "/dumps", "");
            assertThat(dumpList.statusCode()).isEqualTo(409);
            assertThat(dumpList.body()).contains("SlowDown");
        }

        assertThat(catalogReads).hasValue(1);
        assertThat(dumpReads)
                .as("a failure is kept as well: a throttled S3 is not asked again at once")
                .hasValue(1);
    }

    private void start(int maxConnections, SnapshotBackend snapshots, DumpBackend dumps) throws IOException {
        server = new AdminServer(
                new AdminConfig("127.0.0.1", 0, Optional.of(TOKEN), Optional.empty(), REQUEST_TIMEOUT, maxConnections),
                backend,
                snapshots,
                dumps,
                Optional.empty(),
                new MetricRegistry());
        server.start();
    }

    private Socket open() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        sockets.add(socket);
        return socket;
    }

    /** The whole answer to a GET written by hand, status line first. */
    private String rawGet(String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout((int) PROBE_DEADLINE.toMillis());
            socket.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A request that must be answered within {@link #PROBE_DEADLINE}; it fails the test otherwise. */
    private HttpResponse<String> probe(String method, String path, String body) throws Exception {
        return sendAsync(method, path, body, PROBE_DEADLINE)
                .get(PROBE_DEADLINE.toMillis() + 500, TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<HttpResponse<String>> sendAsync(
            String method, String path, String body, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + TOKEN)
                .method(
                        method,
                        body.isEmpty()
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body));
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Whether the server has closed this connection: end of stream, or a reset; not while it still waits. */
    private static boolean closedByPeer(Socket socket) {
        try {
            socket.setSoTimeout(50);
            InputStream in = socket.getInputStream();
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
