package io.steward.coordination;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.config.NodeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Reads each znode of the cluster on its own and checks it, so that one bad znode (written by hand, by a buggy tool
 * or by someone who has the credentials) is reported and worked around instead of failing the whole read: a failed
 * read looks like an unreachable ZooKeeper, and then no member is ever promoted. Pure: no server, every case
 * unit-tested. Each problem says what is done instead of trusting the content.
 */
final class ZnodeParser {
    private static final ObjectMapper JSON = Json.mapper();
    private static final int MAX_DETAIL = 160;

    private ZnodeParser() {}

    /** {@code members/<znodeName>}: the member's own name must be the znode's, or a stray znode could shadow it. */
    static Parsed<MemberInfo> member(String path, String znodeName, byte[] data) {
        return object(
                path,
                data,
                MemberInfo.class,
                List.of("name", "role", "database", "position", "priority"),
                ZnodeParser::withoutUnreadableEngineReport,
                member -> {
                    if (!member.name().equals(znodeName)) {
                        return Optional.of("it names member '" + member.name() + "', not '" + znodeName + "'");
                    }
                    if (!NodeConfig.validName(member.name())) {
                        return Optional.of("its name is not " + NodeConfig.NAME_ALLOWED);
                    }
                    if (member.database().host().isBlank()) {
                        return Optional.of("its database endpoint has an empty host");
                    }
                    if (member.priority() < 0) {
                        return Optional.of("negative priority " + member.priority());
                    }
                    if (member.position() < -1) {
                        return Optional.of("replication position " + member.position() + " (-1 means unknown)");
                    }
                    return Optional.empty();
                },
                "member skipped until it publishes valid content");
    }

    /**
     * {@code leader}: who holds the lease, stamped with the session that owns the znode. Only the content is checked
     * here; whether the znode is a lease at all (an ephemeral one) is {@link ClusterStore}'s to say.
     */
    static Parsed<Lease> lease(String path, byte[] data, long ephemeralOwner) {
        return object(
                        path,
                        data,
                        Lease.class,
                        List.of("holder", "epoch"),
                        lease -> {
                            if (!NodeConfig.validName(lease.holder())) {
                                return Optional.of("holder '" + lease.holder() + "' is not " + NodeConfig.NAME_ALLOWED);
                            }
                            return lease.epoch() < 0
                                    ? Optional.of("negative epoch " + lease.epoch())
                                    : Optional.empty();
                        },
                        "the holder is unknown: no member takes over until the znode goes away with its session")
                .map(stored -> new Lease(stored.holder(), stored.epoch(), ephemeralOwner));
    }

    /**
     * The epoch Steward goes by, and the problem when that is not what the {@code epoch} znode says. The epoch must
     * only ever grow: a lease taken with an epoch some earlier primary had would let that primary's side effects (DNS,
     * snapshots tagged with its epoch) pass for the new one's. Nothing in the znode's content can be trusted once it
     * is bad, so the epoch is derived from what cannot be rewritten to go back:
     * <ul>
     * <li>while a lease exists, it is the lease's: the epoch is raised only in the transaction that creates the lease,
     *     so it cannot have moved since;</li>
     * <li>without a lease, the znode's version: it was created at version 0 holding 0, and every lease taken raises
     *     both by one in one transaction, so no epoch ever taken exceeds the version (another writer only raises the
     *     version further), and the history's highest epoch, in case the znode was deleted and made again.</li>
     * </ul>
     * A stored value below that bound is a value something else wrote, and treated as bad. The next lease taken
     * writes the derived epoch plus one, with the version as its condition.
     *
     * @param data the znode's content, empty when the znode is missing
     * @param version its version (0 when missing)
     * @param highestInHistory asked only when the stored value is not used
     */
    static EpochReading epoch(
            String path, Optional<byte[]> data, int version, Optional<Lease> lease, LongSupplier highestInHistory) {
        Parsed<Long> stored = data.map(bytes -> epochValue(path, bytes))
                .orElseGet(() -> Parsed.invalid(new StateProblem(path, "(missing)", "the znode is missing")));
        Optional<String> disagreement = stored.value()
                .flatMap(value -> lease.isPresent()
                        ? Optional.of(value)
                                .filter(v -> v != lease.get().epoch())
                                .map(v -> "epoch " + v + " disagrees with the lease's epoch "
                                        + lease.get().epoch())
                        : Optional.of(value)
                                .filter(v -> v < version)
                                .map(v -> "epoch " + v + " is below the znode's version " + version
                                        + ", so something other than Steward wrote it"));
        if (stored.problem().isEmpty() && disagreement.isEmpty()) {
            return new EpochReading(stored.value().get(), Optional.empty());
        }
        StateProblem problem = stored.problem().orElseGet(() -> StateProblem.of(path, data.get(), disagreement.get()));
        if (lease.isPresent()) {
            long epoch = lease.get().epoch();
            return new EpochReading(
                    epoch,
                    Optional.of(problem.because(problem.reason() + "; the epoch is taken as " + epoch
                            + ", the lease's (it cannot have moved while a lease exists)")));
        }
        long history = highestInHistory.getAsLong();
        long epoch = Math.max(version, history);
        return new EpochReading(
                epoch,
                Optional.of(problem.because(problem.reason() + "; the epoch is taken as " + epoch
                        + ", the highest of the znode's version " + version + " and the history's epochs (" + history
                        + "), and the next lease taken writes " + (epoch + 1))));
    }

    /**
     * The epoch Steward goes by.
     *
     * @param problem why it is not the {@code epoch} znode's own value, when it is not
     */
    record EpochReading(long epoch, Optional<StateProblem> problem) {}

    /** The {@code epoch} znode's own value: a whole number, 0 or more. */
    static Parsed<Long> epochValue(String path, byte[] data) {
        JsonNode tree;
        try {
            tree = JSON.readTree(data);
        } catch (IOException e) {
            return Parsed.invalid(StateProblem.of(path, data, "not a number (" + detail(e) + ")"));
        }
        if (tree == null || !tree.isIntegralNumber() || !tree.canConvertToLong() || tree.asLong() < 0) {
            return Parsed.invalid(StateProblem.of(path, data, "not a whole number from 0 up"));
        }
        return Parsed.valid(tree.asLong());
    }

    /** {@code initialize}: the member that created the cluster. */
    static Parsed<String> initializedBy(String path, byte[] data) {
        String name = new String(data, StandardCharsets.UTF_8);
        return NodeConfig.validName(name)
                ? Parsed.valid(name)
                : Parsed.invalid(StateProblem.of(
                        path,
                        data,
                        "not " + NodeConfig.NAME_ALLOWED
                                + "; the cluster counts as created (by an unknown member), so nobody "
                                + "creates it again"));
    }

    /** {@code maintenance}: {@code true} or {@code false}. */
    static Parsed<Boolean> maintenance(String path, byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8).trim().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "true" -> Parsed.valid(true);
            case "false" -> Parsed.valid(false);
            default ->
                Parsed.invalid(StateProblem.of(
                        path,
                        data,
                        "neither true nor false; maintenance mode is taken "
                                + "as off (POST /maintenance writes it again)"));
        };
    }

    /** {@code switchover}: a pending request. */
    static Parsed<TransferRequest> transfer(String path, byte[] data) {
        return object(
                path,
                data,
                TransferRequest.class,
                List.of("kind", "from", "requested_at_millis"),
                request -> {
                    if (!request.from().isEmpty() && !NodeConfig.validName(request.from())) {
                        return Optional.of("'from' is neither empty nor " + NodeConfig.NAME_ALLOWED);
                    }
                    if (request.to().filter(to -> !NodeConfig.validName(to)).isPresent()) {
                        return Optional.of("'to' is not " + NodeConfig.NAME_ALLOWED);
                    }
                    if (request.scheduledAtMillis().filter(at -> at < 0).isPresent()) {
                        return Optional.of("a negative scheduled_at_millis");
                    }
                    return request.requestedAtMillis() < 0
                            ? Optional.of("a negative requested_at_millis")
                            : Optional.empty();
                },
                "the request is ignored; the next lease taken drops it, and a new request replaces it");
    }

    /** {@code sync}: the synchronous standby. */
    static Parsed<SyncState> sync(String path, byte[] data) {
        return object(
                path,
                data,
                SyncState.class,
                List.of("leader"),
                sync -> {
                    if (!NodeConfig.validName(sync.leader())) {
                        return Optional.of("'leader' is not " + NodeConfig.NAME_ALLOWED);
                    }
                    return sync.standby()
                            .filter(standby -> !NodeConfig.validName(standby))
                            .map(standby -> "'standby' is not " + NodeConfig.NAME_ALLOWED);
                },
                "taken as no synchronous standby recorded: in synchronous mode nobody is promoted until the primary "
                        + "records one again");
    }

    /** {@code failsafe}: the members the primary counts on in failsafe mode. */
    static Parsed<FailsafeMembers> failsafe(String path, byte[] data) {
        return object(
                path,
                data,
                FailsafeMembers.class,
                List.of("leader", "epoch"),
                recorded -> {
                    if (!NodeConfig.validName(recorded.leader())) {
                        return Optional.of("'leader' is not " + NodeConfig.NAME_ALLOWED);
                    }
                    if (recorded.epoch() < 0) {
                        return Optional.of("a negative epoch");
                    }
                    return recorded.members().keySet().stream()
                            .filter(name -> !NodeConfig.validName(name))
                            .findFirst()
                            .map(name -> "member '" + name + "' is not " + NodeConfig.NAME_ALLOWED);
                },
                "taken as no members recorded: in failsafe mode the primary cannot stay writable without ZooKeeper, and "
                        + "any member may take the lease after it; the primary writes it again while ZooKeeper answers");
    }

    /** {@code config}: cluster-wide HA settings; their values are checked where they are applied. */
    static Parsed<Map<String, String>> settings(String path, byte[] data) {
        return object(
                        path,
                        data,
                        SettingsDocument.class,
                        List.of(),
                        document -> Optional.empty(),
                        "ignored: each node's own ha settings apply (POST /settings writes it again)")
                .map(SettingsDocument::settings);
    }

    /** One entry of {@code history/}. */
    static Parsed<HistoryEntry> historyEntry(String path, byte[] data) {
        return object(
                path,
                data,
                HistoryEntry.class,
                List.of("epoch", "primary", "reason", "at_millis"),
                entry -> {
                    if (entry.epoch() < 0) {
                        return Optional.of("negative epoch " + entry.epoch());
                    }
                    if (!NodeConfig.validName(entry.primary())
                            || entry.previous()
                                    .filter(previous -> !NodeConfig.validName(previous))
                                    .isPresent()) {
                        return Optional.of("a member name that is not " + NodeConfig.NAME_ALLOWED);
                    }
                    return entry.atMillis() < 0 ? Optional.of("a negative at_millis") : Optional.empty();
                },
                "left out of the history");
    }

    /** {@code primary-term}: the latest term a self-electing database's primary recorded. */
    static Parsed<PrimaryTerm> primaryTerm(String path, byte[] data) {
        return object(
                path,
                data,
                PrimaryTerm.class,
                List.of("term", "member"),
                term -> {
                    if (term.term() < 0) {
                        return Optional.of("negative term " + term.term());
                    }
                    return NodeConfig.validName(term.member())
                            ? Optional.empty()
                            : Optional.of("'member' is not " + NodeConfig.NAME_ALLOWED);
                },
                "the latest term is unknown: no primary can prove its term until it is repaired or removed");
    }

    /**
     * A member's {@code engine_report} is for the operator's eyes alone: one that cannot be read (an agent of another
     * version, a hand edit) is dropped rather than costing the member its place in the cluster's automation.
     */
    private static void withoutUnreadableEngineReport(ObjectNode member) {
        JsonNode report = member.get("engine_report");
        if (report == null || report.isNull()) {
            return;
        }
        try {
            JSON.treeToValue(report, EngineReport.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            member.remove("engine_report");
        }
    }

    private static <T> Parsed<T> object(
            String path,
            byte[] data,
            Class<T> type,
            List<String> required,
            Function<T, Optional<String>> invalid,
            String consequence) {
        return object(path, data, type, required, tree -> {}, invalid, consequence);
    }

    /**
     * A JSON object of {@code type}: with every key of {@code required} present and not null (a missing number would
     * otherwise read as 0), then whatever {@code invalid} finds wrong with it.
     *
     * @param lenient repairs, before it is read, what may be left out rather than refuse the whole object
     * @param consequence what is done instead of using it, said in the problem
     */
    private static <T> Parsed<T> object(
            String path,
            byte[] data,
            Class<T> type,
            List<String> required,
            Consumer<ObjectNode> lenient,
            Function<T, Optional<String>> invalid,
            String consequence) {
        Function<String, Parsed<T>> problem =
                why -> Parsed.invalid(StateProblem.of(path, data, why + "; " + consequence));
        JsonNode tree;
        try {
            tree = JSON.readTree(data);
        } catch (IOException e) {
            return problem.apply("not JSON (" + detail(e) + ")");
        }
        if (tree == null || !tree.isObject()) {
            return problem.apply("not a JSON object");
        }
        for (String key : required) {
            if (!tree.hasNonNull(key)) {
                return problem.apply("no " + key);
            }
        }
        lenient.accept((ObjectNode) tree);
        T value;
        try {
            value = JSON.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return problem.apply("unreadable (" + detail(e) + ")");
        }
        return invalid.apply(value).map(problem).orElseGet(() -> Parsed.valid(value));
    }

    /** The parser's own words, without the location and snippet Jackson appends, cut short. */
    private static String detail(Exception e) {
        String message = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
        String oneLine = String.valueOf(message).replaceAll("\\s+", " ");
        String cut = oneLine.length() <= MAX_DETAIL ? oneLine : oneLine.substring(0, MAX_DETAIL) + "...";
        // the parser quotes the content it choked on
        return StateProblem.printable(cut.getBytes(StandardCharsets.UTF_8));
    }
}
