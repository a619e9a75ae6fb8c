package io.steward.admin;

import io.steward.coordination.ClusterStore;
import io.steward.coordination.ClusterView;
import io.steward.coordination.HistoryEntry;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.TransferRequest;
import io.steward.engine.Archiving;
import io.steward.engine.Capability;
import io.steward.engine.ClientConnections;
import io.steward.engine.Engine;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.LeaseElected;
import io.steward.engine.Restartable;
import io.steward.engine.Role;
import io.steward.ha.FailsafeRules;
import io.steward.ha.HaLoop;
import io.steward.ha.RestartRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's view of the agent: reads come from the HA loop's last tick; requests are checked against a fresh
 * read of the cluster, recorded in ZooKeeper, and carried out by the loops of the members concerned.
 */
public final class ClusterControl implements AdminBackend {
    private static final Logger log = LoggerFactory.getLogger(ClusterControl.class);

    private final ClusterStore store;
    private final HaLoop loop;
    private final String self;
    private final Engine engine;

    public ClusterControl(ClusterStore store, HaLoop loop, String self, Engine engine) {
        this.store = store;
        this.loop = loop;
        this.self = self;
        this.engine = engine;
    }

    @Override
    public ClusterView cluster() {
        return loop.view();
    }

    @Override
    public Optional<ClientConnections> clientConnections() {
        return engine.capability(ClientConnections.class);
    }

    @Override
    public NodeStatus self() {
        EngineStatus status = loop.status();
        ClusterView view = loop.view();
        // a database that elects its own primary proves it by its term; the others by the lease of the current epoch
        boolean writable = status.role() == Role.PRIMARY
                && loop.writable()
                && (electsOwnPrimary()
                        || view.lease()
                                .map(Lease::epoch)
                                .filter(e -> e == view.epoch())
                                .isPresent());
        long epoch = electsOwnPrimary() ? status.timeline() : view.epoch();
        return new NodeStatus(
                self,
                status.role(),
                writable,
                status.streaming(),
                loop.lagBytes(),
                epoch,
                loop.lastDecision().toString(),
                status.problem(),
                loop.failingAction(),
                engine.capability(Archiving.class).flatMap(Archiving::archiveStatus),
                engine.healthDetails(),
                loop.failsafeState(),
                view.problems(),
                loop.restarts().waiting().map(RestartRequest::toString),
                engine.activity());
    }

    @Override
    public Optional<String> failsafeCall(String leader, long epoch, long validForMillis) {
        FailsafeRules.Answer answer = loop.answerFailsafe(new FailsafeRules.Call(leader, epoch, validForMillis));
        return answer instanceof FailsafeRules.Answer.Refused refused
                ? Optional.of(refused.reason())
                : Optional.empty();
    }

    @Override
    public List<HistoryEntry> history() {
        return store.history();
    }

    @Override
    public HaSettings haSettings() {
        return new HaSettings(store.read().settings(), loop.ownHaSettings(), loop.haSettingsInForce());
    }

    @Override
    public void requestSwitchover(Optional<String> to, Optional<Instant> at) {
        refuseWhenTheDatabaseElects("switch over");
        ClusterView view = store.read();
        String leader = view.lease()
                .map(Lease::holder)
                .orElseThrow(
                        () -> new RejectedRequest("no primary holds the lease: a switchover needs one (use failover)"));
        if (to.isPresent()) {
            MemberInfo candidate = knownMember(view, to.get());
            if (candidate.name().equals(leader)) {
                throw new RejectedRequest(leader + " is already the primary");
            }
            if (!candidate.healthy() || candidate.role() != Role.REPLICA) {
                throw new RejectedRequest("candidate " + candidate.name() + " is not a healthy replica ("
                        + candidate.role().name().toLowerCase()
                        + candidate.problem().map(p -> ": " + p).orElse("") + ")");
            }
            if (!candidate.promotable()) {
                throw new RejectedRequest("candidate " + candidate.name() + " is tagged nofailover or has priority 0");
            }
        } else if (view.members().values().stream()
                .noneMatch(
                        m -> !m.name().equals(leader) && m.healthy() && m.role() == Role.REPLICA && m.promotable())) {
            throw new RejectedRequest("no healthy replica can take over from " + leader);
        }
        record(new TransferRequest(
                TransferRequest.Kind.SWITCHOVER,
                leader,
                to,
                System.currentTimeMillis(),
                at.map(Instant::toEpochMilli)));
    }

    @Override
    public String cancelSwitchover() {
        TransferRequest pending = store.read()
                .transfer()
                .filter(t -> t.kind() == TransferRequest.Kind.SWITCHOVER)
                .orElseThrow(() -> new RejectedRequest("no switchover is pending"));
        store.clearTransfer();
        String what =
                "switchover from " + pending.from() + " to " + pending.to().orElse("the best replica")
                        + pending.scheduledAtMillis()
                                .map(at -> " scheduled at " + Instant.ofEpochMilli(at))
                                .orElse("");
        log.info("{} cancelled by operator request", what);
        return what;
    }

    @Override
    public CompletableFuture<String> requestRestart(RestartRequest request) {
        requireCapability(Restartable.class, "restart");
        if (request.scheduledAt().isEmpty() && !loop.status().running()) {
            throw new RejectedRequest(self + "'s server is not running; the HA loop starts it by itself");
        }
        return loop.restarts()
                .request(request)
                .orElseThrow(() -> new RejectedRequest("a restart of " + self + " is already waiting ("
                        + loop.restarts().waiting().map(Object::toString).orElse("just done")
                        + "); cancel it first"));
    }

    @Override
    public String cancelRestart() {
        Optional<RestartRequest> waiting = loop.restarts().waiting();
        if (waiting.isEmpty() || !loop.restarts().cancel()) {
            throw new RejectedRequest("no restart of " + self + " is waiting");
        }
        return waiting.get().toString();
    }

    @Override
    public void reload() {
        Restartable restartable = requireCapability(Restartable.class, "reload");
        try {
            restartable.reload();
        } catch (EngineException e) {
            throw new RejectedRequest("reload of " + self + " failed: " + e.getMessage());
        }
        log.info("configuration of {}'s server reloaded by operator request", self);
    }

    /** The engine's capability, or a refusal naming the one it lacks. */
    private <C extends Capability> C requireCapability(Class<C> capability, String what) {
        return engine.capability(capability)
                .orElseThrow(() -> new RejectedRequest("this engine cannot " + what + " through the agent: it "
                        + "lacks the " + capability.getSimpleName() + " capability"));
    }

    @Override
    public void requestFailover(String to) {
        refuseWhenTheDatabaseElects("fail over");
        ClusterView view = store.read();
        MemberInfo candidate = knownMember(view, to);
        Optional<String> leader = view.lease().map(Lease::holder);
        if (leader.filter(to::equals).isPresent()) {
            throw new RejectedRequest(to + " is already the primary");
        }
        if (candidate.role() == Role.STOPPED) {
            throw new RejectedRequest("candidate " + to + " is not running");
        }
        record(new TransferRequest(
                TransferRequest.Kind.FAILOVER, leader.orElse(""), Optional.of(to), System.currentTimeMillis()));
    }

    @Override
    public void updateSettings(Map<String, Optional<String>> changes) {
        Map<String, String> settings = new TreeMap<>(store.read().settings());
        changes.forEach((key, value) -> {
            if (value.isPresent()) {
                settings.put(key, value.get());
            } else {
                settings.remove(key);
            }
        });
        store.writeSettings(settings);
        log.info("cluster-wide settings changed by operator request: {}", settings);
    }

    @Override
    public void setMaintenance(boolean on) {
        store.setMaintenance(on);
        log.info("maintenance mode {} by operator request", on ? "on" : "off");
    }

    @Override
    public void requestReinitialize() {
        refuseWhenTheDatabaseElects("reinitialise a node");
        ClusterView view = store.read();
        Optional<String> leader = view.lease().map(Lease::holder);
        if (leader.isEmpty()) {
            throw new RejectedRequest("no primary to clone from");
        }
        if (leader.get().equals(self)) {
            throw new RejectedRequest(self + " is the primary; switch over first");
        }
        log.info("reinitialisation of {} requested by operator", self);
        loop.requestReinitialize();
    }

    /** A database that elects its own primary is never told by Steward whom to make primary. */
    private void refuseWhenTheDatabaseElects(String what) {
        if (electsOwnPrimary()) {
            throw new RejectedRequest("the database elects its own primary: Steward does not " + what + " here");
        }
    }

    /** Whether the database elects its own primary: Steward then elects none through its lease. */
    private boolean electsOwnPrimary() {
        return engine.capability(LeaseElected.class).isEmpty();
    }

    private void record(TransferRequest request) {
        if (!store.requestTransfer(request)) {
            throw new RejectedRequest("another switchover or failover is already pending");
        }
        log.info(
                "{} from {} to {} requested by operator",
                request.kind().name().toLowerCase(),
                request.from().isEmpty() ? "(no primary)" : request.from(),
                request.to().orElse("the best replica"));
    }

    private static MemberInfo knownMember(ClusterView view, String name) {
        return view.member(name)
                .orElseThrow(() -> new RejectedRequest("unknown member '" + name + "'; members: "
                        + String.join(
                                ", ", view.members().keySet().stream().sorted().toList())));
    }
}
