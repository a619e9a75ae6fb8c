package io.steward.admin;

import io.steward.config.HaConfig;
import io.steward.coordination.ClusterView;
import io.steward.coordination.FailsafeMembers;
import io.steward.coordination.HistoryEntry;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.StateProblem;
import io.steward.coordination.SyncState;
import io.steward.coordination.TransferRequest;
import io.steward.engine.ArchiveStatus;
import io.steward.engine.ClientConnections;
import io.steward.engine.Role;
import io.steward.ha.FailingAction;
import io.steward.progress.Progress;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The admin API's wire format: what its endpoints answer, shared by the server and the CLI that reads it.
 *
 * <p>The domain records carry {@link Optional}s, which Jackson cannot write without the Jdk8 module (not on the
 * class path); these records carry a value or null instead, so every field is always present in the JSON.
 */
public final class AdminJson {
    private AdminJson() {}

    /** The body of every error response. */
    public record Error(String error) {}

    /** The body of an accepted mutation. */
    public record Message(String message) {}

    /**
     * {@code GET /health}: the local node.
     *
     * @param engine what the database says of its cluster; null when it says nothing more
     * @param badZnodes the cluster's znodes whose content was not used as it is; empty when none
     * @param restart the operator's restart that waits for its time, in words; null when none
     * @param progress how far long work has come (a replica's copy of the primary); null when none
     */
    public record Node(
            String name,
            Role role,
            boolean healthy,
            boolean writablePrimary,
            boolean streaming,
            long lagBytes,
            long epoch,
            String lastDecision,
            String problem,
            Failing failingAction,
            Archive archive,
            Map<String, Object> engine,
            String failsafe,
            List<BadZnode> badZnodes,
            String restart,
            Activity progress) {
        static Node of(NodeStatus status) {
            return new Node(
                    status.name(),
                    status.role(),
                    status.healthy(),
                    status.writablePrimary(),
                    status.streaming(),
                    status.lagBytes(),
                    status.epoch(),
                    status.lastDecision(),
                    status.problem().orElse(null),
                    status.failingAction().map(Failing::of).orElse(null),
                    status.archive().map(Archive::of).orElse(null),
                    status.engineDetails().isEmpty() ? null : status.engineDetails(),
                    status.failsafe().orElse(null),
                    BadZnode.all(status.badZnodes()),
                    status.restart().orElse(null),
                    status.activity().map(Activity::of).orElse(null));
        }
    }

    /**
     * Long work the node is doing, in {@code GET /health}; null when none.
     *
     * @param unit what {@code done} and {@code total} count: bytes, segments or none
     * @param total null when unknown, as is {@code percent}
     */
    public record Activity(String action, long done, Long total, String unit, Integer percent, long elapsedSeconds) {
        static Activity of(Progress progress) {
            return new Activity(
                    progress.sentence(),
                    progress.done(),
                    progress.total().isPresent() ? progress.total().getAsLong() : null,
                    progress.unit().name().toLowerCase(java.util.Locale.ROOT),
                    progress.percent().isPresent() ? progress.percent().getAsInt() : null,
                    progress.elapsed().toSeconds());
        }
    }

    /**
     * A znode whose content Steward does not use as it is.
     *
     * @param path relative to the cluster's path, e.g. {@code /members/pg1}
     * @param content what it holds, printable and cut short
     * @param reason why, and what is done instead
     */
    public record BadZnode(String path, String content, String reason) {
        static List<BadZnode> all(List<StateProblem> problems) {
            return problems.stream()
                    .map(p -> new BadZnode(p.path(), p.content(), p.reason()))
                    .toList();
        }
    }

    /** What the HA loop keeps failing to do; null in {@code GET /health} when nothing. */
    public record Failing(String action, String reason, String since) {
        static Failing of(FailingAction failing) {
            return new Failing(
                    failing.action(), failing.reason(), failing.since().toString());
        }
    }

    /**
     * The archive part of {@code GET /health}; null when the node does not archive.
     *
     * @param oldestReadyAgeSeconds -1 when nothing waits
     */
    public record Archive(
            int ready,
            long oldestReadyAgeSeconds,
            String lastArchived,
            String lastArchivedAt,
            long failures,
            String lastFailed) {
        static Archive of(ArchiveStatus status) {
            return new Archive(
                    status.ready(),
                    status.oldestReadyAge().map(Duration::toSeconds).orElse(-1L),
                    status.lastArchived().orElse(null),
                    status.lastArchivedAt().map(Instant::toString).orElse(null),
                    status.failures(),
                    status.lastFailed().orElse(null));
        }
    }

    /**
     * {@code GET /primary} and {@code GET /replica}: what a load balancer needs, and why the check failed.
     *
     * @param reason null when the check passed
     */
    public record Probe(String name, Role role, long epoch, long lagBytes, String reason) {
        static Probe of(NodeStatus status, Optional<String> reason) {
            return new Probe(status.name(), status.role(), status.epoch(), status.lagBytes(), reason.orElse(null));
        }
    }

    /**
     * {@code GET /cluster}.
     *
     * @param leader the holder of the lease, or null when nobody holds it
     * @param initializedBy the member that created the cluster, or null before that
     * @param members sorted by name
     * @param transfer the pending switchover or failover, or null
     * @param sync the synchronous standby state, or null outside synchronous mode
     * @param badZnodes the znodes whose content was not used as it is; empty when none
     * @param connections how clients connect, in the engine's words; null when its engine does not say
     */
    public record Cluster(
            String leader,
            long epoch,
            boolean maintenance,
            String initializedBy,
            List<Member> members,
            Transfer transfer,
            Sync sync,
            Map<String, String> settings,
            Failsafe failsafe,
            List<BadZnode> badZnodes,
            Connections connections) {
        static Cluster of(ClusterView view, Optional<ClientConnections> clients) {
            long leaderPosition = view.leaderMember().map(MemberInfo::position).orElse(-1L);
            Optional<ConnectionStrings> strings = clients.map(engine -> new ConnectionStrings(engine, view));
            List<Member> members = view.members().values().stream()
                    .sorted(Comparator.comparing(MemberInfo::name))
                    .map(member -> Member.of(
                            member,
                            view,
                            leaderPosition,
                            strings.map(s -> s.member(member)).orElse(null)))
                    .toList();
            return new Cluster(
                    view.lease().map(Lease::holder).orElse(null),
                    view.epoch(),
                    view.maintenance(),
                    view.initialized().orElse(null),
                    members,
                    view.transfer().map(Transfer::of).orElse(null),
                    view.sync().map(Sync::of).orElse(null),
                    new TreeMap<>(view.settings()),
                    view.failsafe().map(Failsafe::of).orElse(null),
                    BadZnode.all(view.problems()),
                    strings.map(ConnectionStrings::all).orElse(null));
        }
    }

    /** Connection strings for clients; each null when no healthy member plays the role. */
    public record Connections(String primary, String replica, String any) {}

    /**
     * The members a primary counts on in failsafe mode, as it last recorded them; null in {@code GET /cluster} when none
     * is recorded.
     */
    public record Failsafe(String leader, long epoch, List<String> members) {
        static Failsafe of(FailsafeMembers recorded) {
            return new Failsafe(
                    recorded.leader(),
                    recorded.epoch(),
                    recorded.members().keySet().stream().sorted().toList());
        }
    }

    /**
     * One member of {@code GET /cluster}.
     *
     * @param leader whether it holds the lease
     * @param lagBytes how far its position is behind the leader's; -1 when either position is unknown or there is
     *        no leader
     * @param replayDelayMillis how far behind in time it is, as its engine tells; null when it cannot tell
     * @param pendingRestart whether a changed setting awaits a restart of its server
     * @param engineTags how its engine wants it to be a member (an arbiter, say); empty when it says nothing
     * @param dsn a connection string to this member alone; null when its engine does not say how
     */
    public record Member(
            String name,
            Role role,
            boolean leader,
            boolean healthy,
            String problem,
            String database,
            String apiUrl,
            long position,
            long lagBytes,
            long timeline,
            String upstream,
            boolean replayPaused,
            Tags tags,
            String agentVersion,
            long updatedAtMillis,
            String standingAside,
            Long replayDelayMillis,
            boolean pendingRestart,
            Map<String, String> engineTags,
            String dsn) {
        static Member of(MemberInfo member, ClusterView view, long leaderPosition, String dsn) {
            boolean leader = view.lease()
                    .map(lease -> lease.holder().equals(member.name()))
                    .orElse(false);
            return new Member(
                    member.name(),
                    member.role(),
                    leader,
                    member.healthy(),
                    member.problem().orElse(null),
                    member.database() == null ? null : member.database().toString(),
                    member.apiUrl(),
                    member.position(),
                    lag(leaderPosition, member.position()),
                    member.timeline(),
                    member.upstream().orElse(null),
                    member.replayPaused(),
                    new Tags(member.noFailover(), member.priority()),
                    member.agentVersion(),
                    member.updatedAtMillis(),
                    member.standingAside().orElse(null),
                    member.engineReport().replayDelayMillis().orElse(null),
                    member.engineReport().pendingRestart(),
                    new TreeMap<>(member.tags()),
                    dsn);
        }

        private static long lag(long leaderPosition, long position) {
            if (leaderPosition < 0 || position < 0) {
                return -1;
            }
            // Positions are published at different moments, so a replica can look ahead of its primary: that is no lag.
            return Math.max(0, leaderPosition - position);
        }
    }

    /** The tags that decide whether and how readily a member is promoted. */
    public record Tags(boolean noFailover, int priority) {}

    /**
     * A pending switchover or failover; {@code to} is null for "the best eligible replica", {@code scheduledAtMillis}
     * null for "at once".
     */
    public record Transfer(
            TransferRequest.Kind kind, String from, String to, long requestedAtMillis, Long scheduledAtMillis) {
        static Transfer of(TransferRequest request) {
            return new Transfer(
                    request.kind(),
                    request.from(),
                    request.to().orElse(null),
                    request.requestedAtMillis(),
                    request.scheduledAtMillis().orElse(null));
        }
    }

    /**
     * {@code GET /config}: the HA settings, each as the text the {@code ha:} section takes.
     *
     * @param cluster the cluster-wide settings stored in ZooKeeper ({@code steward edit-config}); they override every
     *        node's own
     * @param node this node's own {@code ha:} section, with its defaults
     * @param inForce what this node goes by
     * @param member the node these are of
     */
    public record Config(
            Map<String, String> cluster, Map<String, String> node, Map<String, String> inForce, String member) {
        static Config of(String member, AdminBackend.HaSettings settings) {
            return new Config(
                    new TreeMap<>(settings.cluster()), texts(settings.node()), texts(settings.inForce()), member);
        }

        /** Each setting as the {@code ha:} section writes it, in {@link HaConfig#KEYS} order. */
        static Map<String, String> texts(HaConfig ha) {
            Map<String, String> texts = new java.util.LinkedHashMap<>();
            texts.put("loop_wait", duration(ha.loopWait()));
            texts.put("maximum_lag_on_failover", size(ha.maximumLagOnFailover()));
            texts.put("primary_start_timeout", duration(ha.primaryStartTimeout()));
            texts.put("synchronous_mode", Boolean.toString(ha.synchronousMode()));
            texts.put("synchronous_mode_strict", Boolean.toString(ha.synchronousModeStrict()));
            texts.put("failsafe_mode", Boolean.toString(ha.failsafeMode()));
            return texts;
        }

        private static String duration(Duration duration) {
            return duration.isZero() ? "0s" : io.steward.settings.Settings.format(duration);
        }

        private static String size(long bytes) {
            for (String unit : List.of("GB", "MB", "kB")) {
                int shift = unit.equals("GB") ? 30 : unit.equals("MB") ? 20 : 10;
                if (bytes != 0 && bytes % (1L << shift) == 0) {
                    return (bytes >> shift) + unit;
                }
            }
            return Long.toString(bytes);
        }
    }

    /** The synchronous standby state; {@code standby} is null when there is none. */
    public record Sync(String leader, String standby) {
        static Sync of(SyncState state) {
            return new Sync(state.leader(), state.standby().orElse(null));
        }
    }

    /** One entry of {@code GET /history}; {@code previous} is null when unknown. */
    public record History(long epoch, String primary, String previous, String reason, long position, long atMillis) {
        static History of(HistoryEntry entry) {
            return new History(
                    entry.epoch(),
                    entry.primary(),
                    entry.previous().orElse(null),
                    entry.reason(),
                    entry.position(),
                    entry.atMillis());
        }
    }
}
