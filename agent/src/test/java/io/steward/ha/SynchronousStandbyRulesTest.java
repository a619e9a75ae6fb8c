package io.steward.ha;

import static io.steward.ha.HaRulesTest.endpoint;
import static io.steward.ha.HaRulesTest.member;
import static io.steward.ha.HaRulesTest.streamingFrom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import io.steward.coordination.ClusterView;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.coordination.SyncState;
import io.steward.engine.Endpoint;
import io.steward.engine.ReplicaLink;
import io.steward.engine.ReplicationStyle.CandidateOrder;
import io.steward.engine.Role;
import io.steward.ha.SynchronousStandbyRules.Pending;
import io.steward.ha.SynchronousStandbyRules.Plan;
import io.steward.ha.SynchronousStandbyRules.Step;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SynchronousStandbyRulesTest {
    private static final long EPOCH = 7;
    private static final Endpoint OWN = endpoint("me");

    static MemberInfo streaming(String name, long position, int priority) {
        MemberInfo m = streamingFrom(name, "me", position);
        return new MemberInfo(
                m.name(),
                m.role(),
                m.healthy(),
                m.database(),
                m.apiUrl(),
                m.position(),
                m.timeline(),
                m.upstream(),
                false,
                false,
                priority,
                "test",
                0,
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                false);
    }

    static MemberInfo withTags(MemberInfo m, boolean healthy, boolean noFailover, Optional<String> standingAside) {
        return new MemberInfo(
                m.name(),
                m.role(),
                healthy,
                m.database(),
                m.apiUrl(),
                m.position(),
                m.timeline(),
                m.upstream(),
                false,
                noFailover,
                m.priority(),
                "test",
                0,
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                standingAside,
                false);
    }

    static ClusterView view(Optional<SyncState> sync, MemberInfo... others) {
        Map<String, MemberInfo> members = Stream.concat(
                        Stream.of(member("me", Role.PRIMARY, 100)), Arrays.stream(others))
                .collect(Collectors.toMap(MemberInfo::name, Function.identity()));
        return new ClusterView(
                members,
                Optional.of(new Lease("me", EPOCH, 42)),
                EPOCH,
                Optional.of("me"),
                false,
                Optional.empty(),
                sync);
    }

    static Optional<SyncState> recorded(String standby) {
        return Optional.of(new SyncState("me", Optional.ofNullable(standby)));
    }

    // ---- choosing ------------------------------------------------------------------------------------------

    record Choice(ClusterView view, CandidateOrder order, Optional<String> recorded, Optional<String> chosen) {}

    static Stream<Arguments> choices() {
        MemberInfo a = streaming("a", 90, 100);
        MemberInfo b = streaming("b", 80, 200);
        return Stream.of(
                row(
                        "no replica: none",
                        new Choice(
                                view(Optional.empty()),
                                CandidateOrder.MOST_ADVANCED_FIRST,
                                Optional.empty(),
                                Optional.empty())),
                row(
                        "most advanced first",
                        new Choice(
                                view(Optional.empty(), a, b),
                                CandidateOrder.MOST_ADVANCED_FIRST,
                                Optional.empty(),
                                Optional.of("a"))),
                row(
                        "priority first",
                        new Choice(
                                view(Optional.empty(), a, b),
                                CandidateOrder.PRIORITY_FIRST,
                                Optional.empty(),
                                Optional.of("b"))),
                row(
                        "the recorded one stays while it streams from here, best or not",
                        new Choice(
                                view(Optional.empty(), a, b),
                                CandidateOrder.MOST_ADVANCED_FIRST,
                                Optional.of("b"),
                                Optional.of("b"))),
                row(
                        "a recorded one that left is replaced",
                        new Choice(
                                view(Optional.empty(), a),
                                CandidateOrder.MOST_ADVANCED_FIRST,
                                Optional.of("b"),
                                Optional.of("a"))),
                row(
                        "a replica of another upstream is no candidate",
                        new Choice(
                                view(Optional.empty(), streamingFrom("c", "elsewhere", 99)),
                                CandidateOrder.MOST_ADVANCED_FIRST,
                                Optional.empty(),
                                Optional.empty())),
                row(
                        "a replica not streaming is no candidate",
                        new Choice(
                                view(Optional.empty(), member("c", Role.REPLICA, 99)),
                                CandidateOrder.MOST_ADVANCED_FIRST,
                                Optional.empty(),
                                Optional.empty())),
                row(
                        "an unhealthy replica is no candidate",
                        new Choice(
                                view(Optional.empty(), withTags(a, false, false, Optional.empty())),
                                CandidateOrder.MOST_ADVANCED_FIRST,
                                Optional.empty(),
                                Optional.empty())),
                row(
                        "nofailover is no candidate",
                        new Choice(
                                view(Optional.empty(), withTags(a, true, true, Optional.empty())),
                                CandidateOrder.MOST_ADVANCED_FIRST,
                                Optional.empty(),
                                Optional.empty())),
                row(
                        "a member standing aside is no candidate",
                        new Choice(
                                view(Optional.empty(), withTags(a, true, false, Optional.of("guard"))),
                                CandidateOrder.MOST_ADVANCED_FIRST,
                                Optional.empty(),
                                Optional.empty())),
                row(
                        "without its own member entry the primary goes by its endpoint",
                        new Choice(
                                new ClusterView(
                                        Map.of("a", a),
                                        Optional.empty(),
                                        EPOCH,
                                        Optional.empty(),
                                        false,
                                        Optional.empty(),
                                        Optional.empty()),
                                CandidateOrder.MOST_ADVANCED_FIRST,
                                Optional.empty(),
                                Optional.of("a"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("choices")
    void choosesTheStandby(Choice row) {
        assertThat(SynchronousStandbyRules.choose(row.view(), "me", OWN, row.order(), row.recorded()))
                .isEqualTo(row.chosen());
    }

    // ---- stepping ------------------------------------------------------------------------------------------

    record Case(ClusterView view, boolean strict, Optional<Pending> pending, List<ReplicaLink> replicas, Plan plan) {}

    static Stream<Arguments> plans() {
        MemberInfo a = streaming("a", 90, 100);
        MemberInfo c = member("c", Role.REPLICA, 10);
        Pending askedA = new Pending("a", 500, EPOCH);
        return Stream.of(
                row(
                        "the recorded standby is still the best: keep it",
                        new Case(
                                view(recorded("a"), a),
                                false,
                                Optional.empty(),
                                List.of(),
                                new Plan(false, Optional.of("a"), new Step.Keep("a")))),
                row(
                        "nothing recorded by this primary, nobody to ask: record none",
                        new Case(
                                view(Optional.empty(), c),
                                false,
                                Optional.empty(),
                                List.of(),
                                new Plan(true, Optional.empty(), new Step.NoStandby(List.of())))),
                row(
                        "strict mode without a standby waits for every other member",
                        new Case(
                                view(recorded(null), c, member("b", Role.REPLICA, 5)),
                                true,
                                Optional.empty(),
                                List.of(),
                                new Plan(false, Optional.empty(), new Step.NoStandby(List.of("b", "c"))))),
                row(
                        "none recorded and none to ask: nothing to withdraw",
                        new Case(
                                view(recorded(null)),
                                false,
                                Optional.empty(),
                                List.of(),
                                new Plan(false, Optional.empty(), new Step.NoStandby(List.of())))),
                row(
                        "the recorded standby left: withdraw it, nobody else",
                        new Case(
                                view(recorded("b"), c),
                                false,
                                Optional.of(new Pending("b", 1, EPOCH)),
                                List.of(),
                                new Plan(true, Optional.of("b"), new Step.NoStandby(List.of())))),
                row(
                        "a record of the previous primary counts as none",
                        new Case(
                                view(Optional.of(new SyncState("old", Optional.of("a"))), a),
                                false,
                                Optional.empty(),
                                List.of(),
                                new Plan(true, Optional.empty(), new Step.Ask("a")))),
                row(
                        "a new candidate is asked for first",
                        new Case(
                                view(recorded(null), a),
                                false,
                                Optional.empty(),
                                List.of(),
                                new Plan(false, Optional.empty(), new Step.Ask("a")))),
                row(
                        "the recorded one left, another streams: withdraw, then ask",
                        new Case(
                                view(recorded("b"), a),
                                false,
                                Optional.empty(),
                                List.of(),
                                new Plan(true, Optional.of("b"), new Step.Ask("a")))),
                row(
                        "asked, not yet connected: wait",
                        new Case(
                                view(recorded(null), a),
                                false,
                                Optional.of(askedA),
                                List.of(),
                                new Plan(false, Optional.empty(), new Step.Wait("a")))),
                row(
                        "asked, behind the target: wait",
                        new Case(
                                view(recorded(null), a),
                                false,
                                Optional.of(askedA),
                                List.of(new ReplicaLink("a", 499, true)),
                                new Plan(false, Optional.empty(), new Step.Wait("a")))),
                row(
                        "asked, caught up but not yet waited for: wait",
                        new Case(
                                view(recorded(null), a),
                                false,
                                Optional.of(askedA),
                                List.of(new ReplicaLink("a", 600, false)),
                                new Plan(false, Optional.empty(), new Step.Wait("a")))),
                row(
                        "asked and caught up, waited for: record it",
                        new Case(
                                view(recorded(null), a),
                                false,
                                Optional.of(askedA),
                                List.of(new ReplicaLink("a", 500, true)),
                                new Plan(false, Optional.empty(), new Step.Record("a")))),
                row(
                        "another replica caught up does not count",
                        new Case(
                                view(recorded(null), a),
                                false,
                                Optional.of(askedA),
                                List.of(new ReplicaLink("x", 900, true)),
                                new Plan(false, Optional.empty(), new Step.Wait("a")))),
                row(
                        "asked under an earlier epoch: ask again",
                        new Case(
                                view(recorded(null), a),
                                false,
                                Optional.of(new Pending("a", 500, EPOCH - 1)),
                                List.of(new ReplicaLink("a", 900, true)),
                                new Plan(false, Optional.empty(), new Step.Ask("a")))),
                row(
                        "asked for another one: ask for the best now",
                        new Case(
                                view(recorded(null), a),
                                false,
                                Optional.of(new Pending("b", 1, EPOCH)),
                                List.of(new ReplicaLink("a", 900, true)),
                                new Plan(false, Optional.empty(), new Step.Ask("a")))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plans")
    void stepsTowardsOneRecordedStandby(Case row) {
        assertThat(SynchronousStandbyRules.plan(
                        row.view(),
                        "me",
                        OWN,
                        CandidateOrder.MOST_ADVANCED_FIRST,
                        row.strict(),
                        EPOCH,
                        row.pending(),
                        row.replicas()))
                .isEqualTo(row.plan());
    }

    static Arguments row(String name, Object row) {
        return Arguments.of(named(name, row));
    }
}
