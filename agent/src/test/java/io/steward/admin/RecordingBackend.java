package io.steward.admin;

import io.steward.config.HaConfig;
import io.steward.coordination.ClusterView;
import io.steward.coordination.HistoryEntry;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.SyncState;
import io.steward.coordination.TransferRequest;
import io.steward.engine.ClientConnections;
import io.steward.engine.Endpoint;
import io.steward.engine.Role;
import io.steward.ha.FailingAction;
import io.steward.ha.RestartRequest;
import io.steward.settings.ConfigProblems;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * An in-memory {@link AdminBackend} for testing the admin API's HTTP, authentication and validation logic. It
 * records every request it accepts, so tests can assert that a rejected request reached nothing, and it rejects
 * candidates that are not members, as the real backend does.
 */
public final class RecordingBackend implements AdminBackend {
    /** pg2 is 1.5 MiB behind pg1; pg3 is down and its position unknown. */
    public static final long PRIMARY_POSITION = 10_000_000;

    public static final long PG2_LAG = 1_572_864;

    public volatile NodeStatus self = primary();
    /** Runs before every answer about this node: a test can hold requests there. */
    public volatile Runnable beforeSelf = () -> {};

    public volatile ClusterView cluster = threeMembers();
    public volatile List<HistoryEntry> history = List.of(
            new HistoryEntry(1, "pg1", Optional.empty(), "bootstrap", 0, 1_700_000_000_000L),
            new HistoryEntry(2, "pg2", Optional.of("pg1"), "failover", 5_000, 1_700_000_100_000L),
            new HistoryEntry(3, "pg1", Optional.of("pg2"), "switchover", 9_000, 1_700_000_200_000L));
    /** Writes what it was given: {@code test://<servers>?target=<TARGET>}. */
    public volatile Optional<ClientConnections> clientConnections = Optional.of((servers, target) -> "test://"
            + servers.stream().map(Endpoint::toString).collect(Collectors.joining(",")) + "?target=" + target);
    /** The cluster-wide settings {@link #haSettings()} reports. */
    public volatile Map<String, String> clusterSettings = Map.of("failsafe_mode", "true");
    /** How an immediate restart ends; null for an engine without restarts (restart and reload are refused). */
    public volatile CompletableFuture<String> restartOutcome = CompletableFuture.completedFuture("restarted");
    /** What was asked of the backend, in order, e.g. "switchover:pg2", "maintenance:true". */
    public final List<String> calls = new CopyOnWriteArrayList<>();

    public static NodeStatus primary() {
        return new NodeStatus(
                "pg1",
                Role.PRIMARY,
                true,
                false,
                0,
                3,
                "holding the lease",
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                List.of(),
                Optional.empty(),
                Optional.empty());
    }

    public static NodeStatus replica(long lagBytes, boolean streaming) {
        return new NodeStatus(
                "pg2",
                Role.REPLICA,
                false,
                streaming,
                lagBytes,
                3,
                "following pg1",
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                List.of(),
                Optional.empty(),
                Optional.empty());
    }

    public static NodeStatus unhealthy(String problem) {
        return new NodeStatus(
                "pg2",
                Role.REPLICA,
                false,
                false,
                -1,
                3,
                "waiting",
                Optional.of(problem),
                Optional.of(new FailingAction("CloneFrom", problem, java.time.Instant.parse("2026-12-02T09:00:00Z"))),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                List.of(),
                Optional.empty(),
                Optional.empty());
    }

    public static ClusterView threeMembers() {
        return new ClusterView(
                Map.of(
                        "pg1",
                        member("pg1", Role.PRIMARY, true, PRIMARY_POSITION, 3, Optional.empty()),
                        "pg2",
                        member("pg2", Role.REPLICA, true, PRIMARY_POSITION - PG2_LAG, 3, Optional.empty()),
                        "pg3",
                        member("pg3", Role.STOPPED, false, -1, 2, Optional.of("postgres is not running"))),
                Optional.of(new Lease("pg1", 3, 42)),
                3,
                Optional.of("pg1"),
                false,
                Optional.of(new TransferRequest(
                        TransferRequest.Kind.SWITCHOVER, "pg1", Optional.of("pg2"), 1_700_000_300_000L)),
                Optional.of(new SyncState("pg1", Optional.of("pg2"))));
    }

    private static MemberInfo member(
            String name, Role role, boolean healthy, long position, long timeline, Optional<String> problem) {
        return new MemberInfo(
                name,
                role,
                healthy,
                new Endpoint("10.0.0." + name.charAt(2), 5432),
                "http://10.0.0." + name.charAt(2) + ":8008",
                position,
                timeline,
                role == Role.REPLICA ? Optional.of("pg1") : Optional.empty(),
                false,
                name.equals("pg3"),
                1,
                "0.1.0",
                1_700_000_400_000L,
                problem,
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                false);
    }

    @Override
    public ClusterView cluster() {
        return cluster;
    }

    @Override
    public Optional<ClientConnections> clientConnections() {
        return clientConnections;
    }

    @Override
    public NodeStatus self() {
        beforeSelf.run();
        return self;
    }

    @Override
    public List<HistoryEntry> history() {
        return history;
    }

    @Override
    public HaSettings haSettings() {
        return new HaSettings(
                clusterSettings,
                HaConfig.DEFAULTS,
                HaConfig.DEFAULTS.overriddenBy(clusterSettings, "test", new ConfigProblems()));
    }

    @Override
    public void requestSwitchover(Optional<String> to, Optional<Instant> at) {
        to.ifPresent(this::requireMember);
        calls.add("switchover:" + to.orElse("*") + at.map(time -> "@" + time).orElse(""));
    }

    @Override
    public String cancelSwitchover() {
        calls.add("cancel-switchover");
        return "switchover from pg1 to pg2";
    }

    @Override
    public CompletableFuture<String> requestRestart(RestartRequest request) {
        if (restartOutcome == null) {
            throw new RejectedRequest(
                    "this engine cannot restart through the agent: it lacks the Restartable capability");
        }
        calls.add("restart:" + request.scheduledAt().map(Instant::toString).orElse("now")
                + (request.onlyIfPending() ? ":pending" : "")
                + request.role().map(r -> ":" + r).orElse(""));
        return request.scheduledAt().isPresent() ? new CompletableFuture<>() : restartOutcome;
    }

    @Override
    public String cancelRestart() {
        calls.add("cancel-restart");
        return "restart scheduled at 2030-01-01T00:00:00Z";
    }

    @Override
    public void reload() {
        if (restartOutcome == null) {
            throw new RejectedRequest(
                    "this engine cannot reload through the agent: it lacks the Restartable capability");
        }
        calls.add("reload");
    }

    @Override
    public void requestFailover(String to) {
        requireMember(to);
        calls.add("failover:" + to);
    }

    @Override
    public void setMaintenance(boolean on) {
        calls.add("maintenance:" + on);
    }

    @Override
    public Optional<String> failsafeCall(String leader, long epoch, long validForMillis) {
        calls.add("failsafe:" + leader + ":" + epoch + ":" + validForMillis);
        return leader.equals("pg1") ? Optional.empty() : Optional.of("this member last saw pg1 hold the lease");
    }

    @Override
    public void updateSettings(Map<String, Optional<String>> changes) {
        changes.forEach((key, value) -> calls.add("settings:" + key + "=" + value.orElse("(removed)")));
    }

    @Override
    public void requestReinitialize() {
        if (self.role() == Role.PRIMARY) {
            throw new RejectedRequest("cannot reinitialize the primary");
        }
        calls.add("reinitialize");
    }

    private void requireMember(String name) {
        if (cluster.member(name).isEmpty()) {
            throw new RejectedRequest("no member named '" + name + "'");
        }
    }
}
