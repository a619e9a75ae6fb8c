package io.steward.admin;

import static io.steward.admin.AdminHttpServer.Lane.LONG;
import static io.steward.admin.AdminHttpServer.Lane.QUICK;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.steward.backup.ArchivedDump;
import io.steward.backup.NativeBackupScheduler;
import io.steward.backup.SnapshotSet;
import io.steward.config.AdminConfig;
import io.steward.config.HaConfig;
import io.steward.config.PemFiles;
import io.steward.config.RetentionClass;
import io.steward.coordination.Json;
import io.steward.engine.EngineException;
import io.steward.engine.NativeBackup;
import io.steward.engine.Role;
import io.steward.settings.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's admin HTTP API: read endpoints for load balancers, monitoring and people, and mutating endpoints
 * (behind a bearer token) that hand operator requests to the {@link AdminBackend}. Connections, timeouts and TLS
 * are {@link AdminHttpServer}'s.
 *
 * <p>Every request is validated completely before the backend is asked to do anything, so a rejected request
 * changes nothing. Every error answer is {@code {"error": "..."}}.
 */
public final class AdminServer implements AutoCloseable {
    static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON_CONTENT_TYPE = "application/json";
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
    private final CachedListing<Object> backupList;
    private final CachedListing<List<ArchivedDump>> dumpList;
    private AdminHttpServer server;

    /**
     * @param dumps the archive of the engine's dumps ({@code /dump}, {@code /dumps})
     * @param nativeBackup the engine's own backup, when it replaces snapshot sets: {@code /snapshot}, {@code /snapshots}
     *        and {@code /restore} then go to it
     */
    public AdminServer(
            AdminConfig config,
            AdminBackend backend,
            SnapshotBackend snapshots,
            DumpBackend dumps,
            Optional<NativeBackup> nativeBackup,
            MetricRegistry registry) {
        this.config = config;
        this.backend = backend;
        this.snapshots = snapshots;
        this.dumps = dumps;
        this.nativeBackup = nativeBackup;
        this.metrics = new DropwizardExports(registry);
        this.tokenDigest = config.token().map(AdminServer::sha256);
        // Unauthenticated reads that each cost an S3 LIST (or a call to the search cluster's repository): anyone who
        // reaches the port could otherwise turn polling into AWS cost and throttling.
        this.backupList = new CachedListing<>(
                () -> nativeBackup.isPresent()
                        ? nativeCall(() -> nativeBackup.get().list())
                        : snapshots.snapshots(),
                snapshots::catalogWrites);
        this.dumpList = new CachedListing<>(dumps::dumps);
        OperatorRequests requests = new OperatorRequests(backend);
        this.routes = Map.ofEntries(
                Map.entry("/health", new Read(QUICK, Set.of(), query -> health())),
                Map.entry("/primary", new Read(QUICK, Set.of(), query -> primary())),
                Map.entry("/replica", new Read(QUICK, Set.of("lag"), this::replica)),
                Map.entry(
                        "/cluster",
                        new Read(
                                QUICK,
                                Set.of(),
                                query -> json(
                                        200, AdminJson.Cluster.of(backend.cluster(), backend.clientConnections())))),
                Map.entry("/history", new Read(QUICK, Set.of(), query -> json(200, history()))),
                Map.entry("/metrics", new Read(QUICK, Set.of(), query -> prometheus())),
                Map.entry("/snapshots", new Read(LONG, Set.of(), query -> listing(backupList))),
                Map.entry("/dumps", new Read(LONG, Set.of(), query -> listing(dumpList))),
                Map.entry(
                        "/config",
                        new Read(
                                QUICK,
                                Set.of(),
                                query -> json(
                                        200, AdminJson.Config.of(backend.self().name(), backend.haSettings())))),
                Map.entry(
                        "/switchover",
                        new Mutation(QUICK, Set.of("to", "scheduled_at"), accepted(requests::switchover))),
                Map.entry("/switchover/cancel", new Mutation(QUICK, Set.of(), accepted(requests::cancelSwitchover))),
                Map.entry("/failover", new Mutation(QUICK, Set.of("to"), accepted(requests::failover))),
                Map.entry("/maintenance", new Mutation(QUICK, Set.of("enabled"), accepted(requests::maintenance))),
                Map.entry("/settings", new Mutation(QUICK, Set.copyOf(HaConfig.KEYS), accepted(requests::settings))),
                Map.entry("/reinitialize", new Mutation(QUICK, Set.of("member"), accepted(requests::reinitialize))),
                Map.entry(
                        "/restart",
                        new Mutation(LONG, Set.of("member", "scheduled_at", "pending", "role"), requests::restart)),
                Map.entry("/restart/cancel", new Mutation(QUICK, Set.of("member"), accepted(requests::cancelRestart))),
                Map.entry("/reload", new Mutation(QUICK, Set.of("member"), accepted(requests::reload))),
                Map.entry("/failsafe", new Mutation(QUICK, Set.of("leader", "epoch", "valid_for_ms"), this::failsafe)),
                Map.entry("/snapshot", new Mutation(LONG, Set.of("retention"), this::snapshot)),
                Map.entry("/restore", new Mutation(LONG, Set.of("snapshot", "indices"), this::restore)),
                Map.entry("/dump", new Mutation(LONG, Set.of(), this::dump)));
    }

    /** Binds and serves; the TLS certificate and key, when configured, are read now. */
    public synchronized void start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        Optional<SslContext> tls = config.tls().isPresent() ? Optional.of(tlsContext(config)) : Optional.empty();
        server = new AdminHttpServer(
                new InetSocketAddress(config.bindAddress(), config.port()),
                tls,
                new AdminHttpServer.Limits(config.requestTimeout(), config.maxConnections()),
                new Dispatcher());
        log.info(
                "admin API listening on {}:{} over {} (mutations {})",
                config.bindAddress(),
                port(),
                tls.isPresent() ? "HTTPS" : "HTTP",
                tokenDigest.isPresent() ? "enabled" : "disabled: no admin.token");
    }

    /** The bound port: the configured one, or the one the system chose when the configuration says 0. */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("not started");
        }
        return server.localAddress().getPort();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** The JDK's own TLS (not OpenSSL, which ZooKeeper's dependencies put on the class path): one behaviour everywhere. */
    private static SslContext tlsContext(AdminConfig config) throws IOException {
        AdminConfig.Tls tls = config.tls().orElseThrow();
        try {
            PemFiles.KeyMaterial material = PemFiles.keyMaterial(tls.certFile(), tls.keyFile());
            return SslContextBuilder.forServer(
                            material.key(), material.chain().toArray(new java.security.cert.X509Certificate[0]))
                    .sslProvider(SslProvider.JDK)
                    .build();
        } catch (IllegalArgumentException | SSLException e) {
            throw new IOException(
                    "cannot use admin.tls (" + tls.certFile() + ", " + tls.keyFile() + "): " + e.getMessage(), e);
        }
    }

    /** Routes each complete request; the plumbing asks it which lane a path runs on. */
    private final class Dispatcher implements AdminHttpServer.Handler {
        @Override
        public AdminHttpServer.Lane lane(String rawPath) {
            Route route = routes.get(rawPath);
            return route == null ? QUICK : route.lane();
        }

        @Override
        public Reply handle(AdminRequest request) {
            return dispatch(request);
        }

        @Override
        public Reply error(int status, String message, Map<String, String> headers) {
            return AdminServer.this.error(status, message, headers);
        }
    }

    private sealed interface Route permits Read, Mutation {
        String method();

        AdminHttpServer.Lane lane();
    }

    /** A GET endpoint; {@code parameters} are the query parameters it understands. */
    private record Read(AdminHttpServer.Lane lane, Set<String> parameters, Function<Map<String, String>, Reply> handler)
            implements Route {
        public String method() {
            return "GET";
        }
    }

    /**
     * What a mutation did: a line for the log and the answer. Requests that the HA loop carries out later are
     * accepted (202, a message); a snapshot or dump is taken before the answer (201, the set or dump).
     */
    record Outcome(String summary, int status, Object body) {}

    private static Function<RequestBody, Outcome> accepted(Function<RequestBody, String> action) {
        return body -> {
            String message = action.apply(body);
            return new Outcome(message, 202, new AdminJson.Message(message));
        };
    }

    /** A POST endpoint behind the token; {@code fields} are the body fields it understands. */
    private record Mutation(AdminHttpServer.Lane lane, Set<String> fields, Function<RequestBody, Outcome> action)
            implements Route {
        public String method() {
            return "POST";
        }
    }

    private Reply dispatch(AdminRequest request) {
        String path = request.rawPath();
        Route route = routes.get(path);
        try {
            if (route == null) {
                throw ApiError.notFound("no such endpoint: " + path);
            }
            if (!route.method().equals(request.method())) {
                throw ApiError.methodNotAllowed(route.method());
            }
            return route instanceof Mutation mutation
                    ? mutate(mutation, request)
                    : ((Read) route).handler().apply(query(request.rawQuery(), ((Read) route).parameters()));
        } catch (ApiError e) {
            if (route instanceof Mutation && e.status() != 405) {
                logMutation(request, e.status(), e.getMessage());
            }
            return error(e.status(), e.getMessage(), e.headers());
        }
    }

    private Reply mutate(Mutation route, AdminRequest request) {
        authorize(request);
        RequestBody body = RequestBody.parse(request.body(), route.fields());
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
        logMutation(request, reply.status(), outcome);
        return reply;
    }

    /**
     * Who asked for what, and what came of it. The token never appears: only the caller's address. Control
     * characters from the request are masked so that a request cannot forge log lines.
     */
    private static void logMutation(AdminRequest request, int status, String outcome) {
        log.info(
                "admin API: {} {} from {} -> {} {}",
                request.method(),
                request.rawPath().replaceAll("\\p{Cntrl}", "?"),
                request.remoteAddress(),
                status,
                outcome.replaceAll("\\p{Cntrl}", "?"));
    }

    private void authorize(AdminRequest request) {
        if (tokenDigest.isEmpty()) {
            throw ApiError.forbidden("mutations are disabled: no admin.token is configured");
        }
        String header = request.header("Authorization").orElse(null);
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

    private static Map<String, String> query(String rawQuery, Set<String> allowed) {
        Map<String, String> parameters = new HashMap<>();
        if (rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String rawName = eq < 0 ? pair : pair.substring(0, eq);
            String name = decoded(rawName, "the name of query parameter '" + rawName + "'");
            String value = eq < 0 ? "" : decoded(pair.substring(eq + 1), "query parameter '" + name + "'");
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

    /** A query's %-escapes decoded; a malformed one is the caller's mistake, named, not a server error. */
    private static String decoded(String raw, String what) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(what + " has a malformed %-escape (% must be followed by two hex digits)");
        }
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
            throw ApiError.badRequest(
                    "query parameter 'lag' must be a size in bytes (e.g. 1048576, 512kB, 16MB), was '" + text + "'");
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

    /** A primary in failsafe mode asks this member to confirm (200) or not (409, with the reason). */
    private Outcome failsafe(RequestBody body) {
        String leader = body.requiredName("leader");
        long epoch = body.requiredLong("epoch", 0, Long.MAX_VALUE);
        long validFor =
                body.requiredLong("valid_for_ms", 1, Duration.ofMinutes(10).toMillis());
        Optional<String> refusal = backend.failsafeCall(leader, epoch, validFor);
        if (refusal.isPresent()) {
            throw new RejectedRequest(
                    "failsafe call of " + leader + " for epoch " + epoch + " not confirmed: " + refusal.get());
        }
        String message = "confirmed " + leader + "'s failsafe call for epoch " + epoch;
        return new Outcome(message, 200, new AdminJson.Message(message));
    }

    /** Takes a snapshot set on this node now; answers with the set once its snapshots are pending. */
    private Outcome snapshot(RequestBody body) {
        if (nativeBackup.isPresent()) {
            if (body.optionalName("retention").isPresent()) {
                throw ApiError.badRequest(
                        "field 'retention' belongs to snapshot sets; this engine's backups follow its own retention rules");
            }
            String name = NativeBackupScheduler.manualName(Instant.now());
            NativeBackup.Record record = nativeCall(() -> {
                nativeBackup.get().prepare();
                return nativeBackup.get().take(name);
            });
            backupList.invalidate();
            return new Outcome(
                    "backup " + name + " taken (" + record.state() + ")",
                    201,
                    Json.mapper().valueToTree(record));
        }
        RetentionClass retention = body.optionalName("retention")
                .map(text -> {
                    try {
                        return RetentionClass.valueOf(text.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw ApiError.badRequest(
                                "field 'retention' must be one of hourly, daily, weekly, monthly, was '" + text + "'");
                    }
                })
                .orElse(RetentionClass.HOURLY);
        SnapshotSet set = snapshots.takeSnapshot(retention);
        backupList.invalidate();
        return new Outcome(
                "snapshot set " + set.id() + " taken (" + set.status() + ")",
                201,
                Json.mapper().valueToTree(set));
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
        dumpList.invalidate();
        return new Outcome(
                "dump " + dump.name() + " archived", 201, Json.mapper().valueToTree(dump));
    }

    /** A cached listing (see {@link CachedListing}); a refusal is the caller's 409. */
    private Reply listing(CachedListing<?> listing) {
        try {
            return json(200, Json.mapper().valueToTree(listing.get()));
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

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
