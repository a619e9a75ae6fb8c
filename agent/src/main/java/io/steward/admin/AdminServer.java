package io.steward.admin;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.steward.backup.ArchivedDump;
import io.steward.backup.NativeBackupScheduler;
import io.steward.backup.SnapshotSet;
import io.steward.config.AdminConfig;
import io.steward.config.ConfigProblem;
import io.steward.config.ConfigProblems;
import io.steward.config.HaConfig;
import io.steward.config.RetentionClass;
import io.steward.config.Settings;
import io.steward.coordination.Json;
import io.steward.engine.EngineException;
import io.steward.engine.NativeBackup;
import io.steward.engine.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The agent's admin HTTP API: read endpoints for load balancers, monitoring and people, and mutating endpoints
 * (behind a bearer token) that hand operator requests to the {@link AdminBackend}.
 *
 * <p>Every request is validated completely before the backend is asked to do anything, so a rejected request
 * changes nothing. Every error answer is {@code {"error": "..."}}.
 */
public final class AdminServer implements AutoCloseable {
    static final int MAX_BODY_BYTES = 64 * 1024;
    static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON_CONTENT_TYPE = "application/json";
    // Few threads and a short queue: this API serves health checks and the odd operator, and must never compete
    // with the HA loop for the machine. When it is full, the accepting thread serves the request itself, which
    // slows new connections down instead of dropping them.
    private static final int THREADS = 4;
    private static final int QUEUE = 64;
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final AdminConfig config;
    private final AdminBackend backend;
    private final SnapshotBackend snapshots;
    private final DumpBackend dumps;
    private final Optional<NativeBackup> nativeBackup;
    private final DropwizardExports metrics;
    private final PrometheusTextFormatWriter metricsWriter = PrometheusTextFormatWriter.create();
    private final ObjectMapper json = JsonMapper.builder().build();
    private final Optional<byte[]> tokenDigest;
    private final Map<String, Route> routes;
    private HttpServer server;
    private ThreadPoolExecutor executor;

    /**
     * @param dumps the archive of the engine's dumps ({@code /dump}, {@code /dumps})
     * @param nativeBackup the engine's own backup, when it replaces snapshot sets: {@code /snapshot}, {@code /snapshots}
     *        and {@code /restore} then go to it
     */
    public AdminServer(AdminConfig config, AdminBackend backend, SnapshotBackend snapshots, DumpBackend dumps,
                       Optional<NativeBackup> nativeBackup, MetricRegistry registry) {
        this.config = config;
        this.backend = backend;
        this.snapshots = snapshots;
        this.dumps = dumps;
        this.nativeBackup = nativeBackup;
        this.metrics = new DropwizardExports(registry);
        this.tokenDigest = config.token().map(AdminServer::sha256);
        this.routes = Map.ofEntries(
                Map.entry("/health", new Read(Set.of(), query -> health())),
                Map.entry("/primary", new Read(Set.of(), query -> primary())),
                Map.entry("/replica", new Read(Set.of("lag"), this::replica)),
                Map.entry("/cluster", new Read(Set.of(), query -> json(200, AdminJson.Cluster.of(backend.cluster())))),
                Map.entry("/history", new Read(Set.of(), query -> json(200, history()))),
                Map.entry("/metrics", new Read(Set.of(), query -> prometheus())),
                Map.entry("/snapshots", new Read(Set.of(), this::catalog)),
                Map.entry("/dumps", new Read(Set.of(), this::dumpList)),
                Map.entry("/switchover", new Mutation(Set.of("to"), accepted(this::switchover))),
                Map.entry("/failover", new Mutation(Set.of("to"), accepted(this::failover))),
                Map.entry("/maintenance", new Mutation(Set.of("enabled"), accepted(this::maintenance))),
                Map.entry("/settings", new Mutation(Set.copyOf(HaConfig.KEYS), accepted(this::settings))),
                Map.entry("/reinitialize", new Mutation(Set.of(), accepted(this::reinitialize))),
                Map.entry("/failsafe", new Mutation(Set.of("leader", "epoch", "valid_for_ms"), this::failsafe)),
                Map.entry("/snapshot", new Mutation(Set.of("retention"), this::snapshot)),
                Map.entry("/restore", new Mutation(Set.of("snapshot", "indices"), this::restore)),
                Map.entry("/dump", new Mutation(Set.of(), this::dump)));
    }

    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                daemonThreads(), new ThreadPoolExecutor.CallerRunsPolicy());
        executor.allowCoreThreadTimeOut(true);
        server = HttpServer.create(new InetSocketAddress(config.bindAddress(), config.port()), QUEUE);
        server.setExecutor(executor);
        // One context for everything: contexts match by prefix, and "/healthz" must be a 404, not /health.
        server.createContext("/", this::dispatch);
        server.start();
        log.info("admin API listening on {}:{} (mutations {})", config.bindAddress(), port(),
                tokenDigest.isPresent() ? "enabled" : "disabled: no admin.token");
    }

    /** The bound port: the configured one, or the one the system chose when the configuration says 0. */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return server.getAddress().getPort();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            // No grace period: on JDK 17 stop(n) always waits the full n seconds, and a health check cut off by
            // a stopping agent is answered correctly by the load balancer's next attempt.
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
    }

    private sealed interface Route permits Read, Mutation {
        String method();
    }

    /** A GET endpoint; {@code parameters} are the query parameters it understands. */
    private record Read(Set<String> parameters, Function<Map<String, String>, Reply> handler) implements Route {
        public String method() {
            return "GET";
        }
    }

    /**
     * A POST endpoint behind the token; {@code fields} are the body fields it understands. The action returns
     * what was requested, in words, for the answer and the log.
     */
    /**
     * What a mutation did: a line for the log and the answer. Requests that the HA loop carries out later are
     * accepted (202, a message); a snapshot or dump is taken before the answer (201, the set or dump).
     */
    private record Outcome(String summary, int status, Object body) {
    }

    private static Function<RequestBody, Outcome> accepted(Function<RequestBody, String> action) {
        return body -> {
            String message = action.apply(body);
            return new Outcome(message, 202, new AdminJson.Message(message));
        };
    }

    private record Mutation(Set<String> fields, Function<RequestBody, Outcome> action) implements Route {
        public String method() {
            return "POST";
        }
    }

    private record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        try (exchange) {
            Reply reply;
            String path = exchange.getRequestURI().getRawPath();
            Route route = routes.get(path);
            try {
                if (route == null) {
                    throw ApiError.notFound("no such endpoint: " + path);
                }
                if (!route.method().equals(exchange.getRequestMethod())) {
                    throw ApiError.methodNotAllowed(route.method());
                }
                reply = route instanceof Mutation mutation ? mutate(mutation, exchange) : read((Read) route, exchange);
            } catch (ApiError e) {
                reply = error(e.status(), e.getMessage(), e.headers());
                if (route instanceof Mutation && e.status() != 405) {
                    logMutation(exchange, e.status(), e.getMessage());
                }
            } catch (RuntimeException e) {
                log.error("admin API: {} {} failed", exchange.getRequestMethod(), path, e);
                reply = error(500, "internal error; the agent's log has the details", Map.of());
            }
            send(exchange, reply);
        }
    }

    private Reply read(Read route, HttpExchange exchange) {
        return route.handler().apply(query(exchange.getRequestURI().getRawQuery(), route.parameters()));
    }

    private Reply mutate(Mutation route, HttpExchange exchange) throws IOException {
        authorize(exchange);
        RequestBody body = RequestBody.parse(readBody(exchange), route.fields());
        Reply reply;
        String outcome;
        try {
            Outcome done = route.action().apply(body);
            outcome = done.summary();
            reply = json(done.status(), done.body());
        } catch (RejectedRequest e) {
            outcome = e.getMessage();
            reply = error(409, e.getMessage(), Map.of());
        }
        logMutation(exchange, reply.status(), outcome);
        return reply;
    }

    /**
     * Who asked for what, and what came of it. The token never appears: only the caller's address. Control
     * characters from the request are masked so that a request cannot forge log lines.
     */
    private static void logMutation(HttpExchange exchange, int status, String outcome) {
        log.info("admin API: {} {} from {} -> {} {}", exchange.getRequestMethod(),
                exchange.getRequestURI().getRawPath(), exchange.getRemoteAddress().getAddress().getHostAddress(),
                status, outcome.replaceAll("\\p{Cntrl}", "?"));
    }

    private void authorize(HttpExchange exchange) {
        if (tokenDigest.isEmpty()) {
            throw ApiError.forbidden("mutations are disabled: no admin.token is configured");
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String scheme = "Bearer ";
        if (header == null || !header.regionMatches(true, 0, scheme, 0, scheme.length())) {
            throw ApiError.unauthorized("missing bearer token (Authorization: Bearer <token>)");
        }
        // Comparing digests keeps the comparison constant-time in the token's length as well as its content.
        byte[] presented = sha256(header.substring(scheme.length()).trim());
        if (!MessageDigest.isEqual(presented, tokenDigest.get())) {
            throw ApiError.unauthorized("invalid bearer token");
        }
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw ApiError.tooLarge(MAX_BODY_BYTES);
            }
            return body;
        }
    }

    private static Map<String, String> query(String rawQuery, Set<String> allowed) {
        Map<String, String> parameters = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!allowed.contains(name)) {
                throw ApiError.badRequest("unknown query parameter '" + name + "'; allowed: "
                        + (allowed.isEmpty() ? "none" : String.join(", ", allowed)));
            }
            if (parameters.put(name, value) != null) {
                throw ApiError.badRequest("query parameter '" + name + "' given more than once");
            }
        }
        return parameters;
    }

    private Reply health() {
        NodeStatus self = backend.self();
        return json(self.healthy() ? 200 : 503, AdminJson.Node.of(self));
    }

    private Reply primary() {
        NodeStatus self = backend.self();
        Optional<String> failure = self.writablePrimary()
                ? Optional.empty()
                : Optional.of("not the writable primary (role " + self.role() + ")");
        return probe(self, failure);
    }

    private Reply replica(Map<String, String> query) {
        Optional<Long> maxLag = Optional.ofNullable(query.get("lag")).map(AdminServer::parseLag);
        NodeStatus self = backend.self();
        Optional<String> failure;
        if (self.role() != Role.REPLICA) {
            failure = Optional.of("not a replica (role " + self.role() + ")");
        } else if (!self.healthy()) {
            failure = Optional.of("unhealthy: " + self.problem().orElse("unknown problem"));
        } else if (!self.streaming()) {
            failure = Optional.of("not streaming from the primary");
        } else if (maxLag.isPresent() && self.lagBytes() < 0) {
            failure = Optional.of("lag unknown");
        } else if (maxLag.isPresent() && self.lagBytes() > maxLag.get()) {
            failure = Optional.of("lag " + self.lagBytes() + " bytes exceeds " + maxLag.get());
        } else {
            failure = Optional.empty();
        }
        return probe(self, failure);
    }

    private static long parseLag(String text) {
        Long bytes = Settings.parseSize(text);
        if (bytes == null) {
            throw ApiError.badRequest("query parameter 'lag' must be a size in bytes (e.g. 1048576, 512kB, 16MB), was '"
                    + text + "'");
        }
        return bytes;
    }

    private Reply probe(NodeStatus self, Optional<String> failure) {
        return json(failure.isEmpty() ? 200 : 503, AdminJson.Probe.of(self, failure));
    }

    private List<AdminJson.History> history() {
        return backend.history().stream().map(AdminJson.History::of).toList();
    }

    private Reply prometheus() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            metricsWriter.write(out, metrics.collect());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Reply(200, PROMETHEUS_CONTENT_TYPE, out.toByteArray(), Map.of());
    }

    private String switchover(RequestBody body) {
        Optional<String> to = body.optionalName("to");
        backend.requestSwitchover(to);
        return "switchover to " + to.orElse("the best eligible replica") + " requested";
    }

    private String failover(RequestBody body) {
        String to = body.requiredName("to");
        backend.requestFailover(to);
        return "failover to " + to + " requested";
    }

    /**
     * Cluster-wide HA settings: each given key is set (a text, number or boolean, as in the {@code ha:} section) or,
     * given as null, removed. Every value is checked the way the configuration file is before anything is stored.
     */
    private String settings(RequestBody body) {
        Map<String, Optional<String>> changes = body.settings();
        if (changes.isEmpty()) {
            throw ApiError.badRequest("no setting given; settable: " + String.join(", ", HaConfig.KEYS));
        }
        Map<String, String> given = new TreeMap<>();
        changes.forEach((key, value) -> value.ifPresent(v -> given.put(key, v)));
        ConfigProblems problems = new ConfigProblems();
        HaConfig.DEFAULTS.overriddenBy(given, "settings", problems);
        if (!problems.isEmpty()) {
            throw ApiError.badRequest(problems.list().stream().map(ConfigProblem::toString)
                    .collect(java.util.stream.Collectors.joining("; ")));
        }
        backend.updateSettings(changes);
        return "cluster-wide settings changed: " + changes.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().orElse("(node's own)"))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** A primary in failsafe mode asks this member to confirm (200) or not (409, with the reason). */
    private Outcome failsafe(RequestBody body) {
        String leader = body.requiredName("leader");
        long epoch = body.requiredLong("epoch", 0, Long.MAX_VALUE);
        long validFor = body.requiredLong("valid_for_ms", 1, Duration.ofMinutes(10).toMillis());
        Optional<String> refusal = backend.failsafeCall(leader, epoch, validFor);
        if (refusal.isPresent()) {
            throw new RejectedRequest("failsafe call of " + leader + " for epoch " + epoch + " not confirmed: "
                    + refusal.get());
        }
        String message = "confirmed " + leader + "'s failsafe call for epoch " + epoch;
        return new Outcome(message, 200, new AdminJson.Message(message));
    }

    private String maintenance(RequestBody body) {
        boolean enabled = body.requiredBoolean("enabled");
        backend.setMaintenance(enabled);
        return "maintenance mode " + (enabled ? "on" : "off") + " requested";
    }

    private String reinitialize(RequestBody body) {
        backend.requestReinitialize();
        return "reinitialization of this node requested";
    }

    /** Takes a snapshot set on this node now; answers with the set once its snapshots are pending. */
    private Outcome snapshot(RequestBody body) {
        if (nativeBackup.isPresent()) {
            if (body.optionalName("retention").isPresent()) {
                throw ApiError.badRequest("field 'retention' belongs to snapshot sets; this engine's backups follow its own retention rules");
            }
            String name = NativeBackupScheduler.manualName(Instant.now());
            NativeBackup.Record record = nativeCall(() -> {
                nativeBackup.get().prepare();
                return nativeBackup.get().take(name);
            });
            return new Outcome("backup " + name + " taken (" + record.state() + ")", 201, Json.mapper().valueToTree(record));
        }
        RetentionClass retention = body.optionalName("retention").map(text -> {
            try {
                return RetentionClass.valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("field 'retention' must be one of hourly, daily, weekly, monthly, was '" + text + "'");
            }
        }).orElse(RetentionClass.HOURLY);
        SnapshotSet set = snapshots.takeSnapshot(retention);
        return new Outcome("snapshot set " + set.id() + " taken (" + set.status() + ")", 201, Json.mapper().valueToTree(set));
    }

    /** Restores named indices from one of the engine's own backups; they must not exist. */
    private Outcome restore(RequestBody body) {
        NativeBackup backup = nativeBackup.orElseThrow(() -> new RejectedRequest("this engine restores from snapshot "
                + "sets with 'steward restore' while the agent is stopped, not through the API"));
        String name = body.requiredName("snapshot");
        List<String> indices = body.requiredNames("indices");
        nativeCall(() -> {
            backup.restore(name, indices);
            return null;
        });
        String summary = "restored " + String.join(", ", indices) + " from backup " + name;
        return new Outcome(summary, 200, new AdminJson.Message(summary));
    }

    /** An engine's refusal (unknown backup, node unreachable, repository refused) is the caller's 409, in its words. */
    private static <T> T nativeCall(Supplier<T> call) {
        try {
            return call.get();
        } catch (EngineException e) {
            throw new RejectedRequest(e.getMessage());
        }
    }

    /** Takes a dump on this node now; answers with it once it is archived. */
    private Outcome dump(RequestBody body) {
        ArchivedDump dump = dumps.takeDump();
        return new Outcome("dump " + dump.name() + " archived", 201, Json.mapper().valueToTree(dump));
    }

    private Reply dumpList(Map<String, String> query) {
        try {
            return json(200, Json.mapper().valueToTree(dumps.dumps()));
        } catch (RejectedRequest e) {
            return error(409, e.getMessage(), Map.of());
        }
    }

    private Reply catalog(Map<String, String> query) {
        if (nativeBackup.isPresent()) {
            try {
                return json(200, Json.mapper().valueToTree(nativeCall(() -> nativeBackup.get().list())));
            } catch (RejectedRequest e) {
                return error(409, e.getMessage(), Map.of());
            }
        }
        try {
            return json(200, Json.mapper().valueToTree(snapshots.snapshots()));
        } catch (RejectedRequest e) {
            return error(409, e.getMessage(), Map.of());
        }
    }

    private Reply json(int status, Object body) {
        return json(status, body, Map.of());
    }

    /** Every error answer, whatever its cause, is {@code {"error": message}}. */
    private Reply error(int status, String message, Map<String, String> headers) {
        return json(status, new AdminJson.Error(message), headers);
    }

    private Reply json(int status, Object body, Map<String, String> headers) {
        try {
            return new Reply(status, JSON_CONTENT_TYPE, json.writeValueAsBytes(body), headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + body.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        // Health and status answers go stale at once; no proxy may serve them from a cache.
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        reply.headers().forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(reply.body());
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "steward-admin-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
