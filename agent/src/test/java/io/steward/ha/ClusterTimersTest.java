package io.steward.ha;

import static io.steward.ha.HaRulesTest.leaseOf;
import static io.steward.ha.HaRulesTest.member;
import static io.steward.ha.HaRulesTest.running;
import static io.steward.ha.HaRulesTest.view;
import static org.assertj.core.api.Assertions.assertThat;

import io.steward.coordination.ClusterView;
import io.steward.engine.DataState;
import io.steward.engine.EngineStatus;
import io.steward.engine.Role;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterTimersTest {
    private static final EngineStatus STOPPED = EngineStatus.stopped(DataState.VALID, Optional.empty());
    private static final ClusterView MINE = view(leaseOf("me"), member("me", Role.PRIMARY, 100));
    private static final ClusterView NOBODYS = view(Optional.empty(), member("a", Role.REPLICA, 40));

    static ClusterTimers timers(Long downSince, Long leaderlessSince) {
        return new ClusterTimers(
                downSince == null ? OptionalLong.empty() : OptionalLong.of(downSince),
                leaderlessSince == null ? OptionalLong.empty() : OptionalLong.of(leaderlessSince),
                -1,
                Optional.empty());
    }

    /** The primary-down timer, by whether this node holds the lease and what its server is. */
    @ParameterizedTest(name = "holds={0}, role={1}, down since {2} -> {3}")
    @CsvSource(
            nullValues = "-",
            value = {
                // holds, role,    down since, down since after a tick at 50
                "true,  STOPPED, -,  50", // the primary it leads went down: the clock starts
                "true,  STOPPED, 10, 10", // still down: the clock runs on from the first tick it was seen down
                "true,  REPLICA, 10, 10", // a lease holder running a replica is not a running primary either
                "true,  PRIMARY, 10, -", // running as primary again: the clock stops
                "false, STOPPED, 10, -", // without the lease there is no primary of ours to be down
                "false, PRIMARY, -,  -",
            })
    void primaryDownSince(boolean holds, Role role, Long downSince, Long after) {
        EngineStatus probed = role == Role.STOPPED ? STOPPED : running(role, 100);
        ClusterTimers next = timers(downSince, null).observe(MINE, "me", holds, probed, 50);
        assertThat(next.primaryDownSince()).isEqualTo(after == null ? OptionalLong.empty() : OptionalLong.of(after));
    }

    /** The leaderless timer, by whether the view shows a lease. */
    @ParameterizedTest(name = "lease={0}, leaderless since {1} -> {2}")
    @CsvSource(
            nullValues = "-",
            value = {
                "false, -,  50", // nobody holds the lease: the clock starts
                "false, 20, 20", // still nobody: it runs on
                "true,  20, -", // somebody holds it again: it stops
                "true,  -,  -",
            })
    void leaderlessSince(boolean lease, Long since, Long after) {
        ClusterTimers next =
                timers(null, since).observe(lease ? MINE : NOBODYS, "me", false, running(Role.REPLICA, 1), 50);
        assertThat(next.leaderlessSince()).isEqualTo(after == null ? OptionalLong.empty() : OptionalLong.of(after));
    }

    @Test
    void durationsAreCountedFromTheTickThatStartedTheClocks() {
        ClusterTimers running = timers(1_000L, 4_000L);
        assertThat(running.primaryDownFor(3_000)).contains(Duration.ofNanos(2_000));
        assertThat(running.leaderlessFor(5_000)).isEqualTo(Duration.ofNanos(1_000));
        assertThat(ClusterTimers.START.primaryDownFor(3_000)).isEmpty();
        assertThat(ClusterTimers.START.leaderlessFor(3_000)).isEqualTo(Duration.ZERO);
    }

    @Test
    void theTimeDownClockStartsAgainOnceTheServerRunsAsPrimaryAfterAnAction() {
        ClusterTimers down = timers(10L, 20L);
        assertThat(down.afterAction(true, running(Role.PRIMARY, 1)).primaryDownSince())
                .isEmpty();
        assertThat(down.afterAction(true, running(Role.PRIMARY, 1)).leaderlessSince())
                .hasValue(20);
        assertThat(down.afterAction(true, STOPPED)).isEqualTo(down);
        assertThat(down.afterAction(false, running(Role.PRIMARY, 1))).isEqualTo(down);
    }

    @Test
    void thePrimarysPositionComesFromItsEntryOrFromThisNodeWhileItLeads() {
        ClusterView othersLease = view(leaseOf("a"), member("a", Role.PRIMARY, 300));
        assertThat(ClusterTimers.START
                        .observe(othersLease, "me", false, running(Role.REPLICA, 250), 1)
                        .lastPrimaryPosition())
                .isEqualTo(300);
        ClusterView unknownPosition = view(leaseOf("a"), member("a", Role.PRIMARY, -1));
        ClusterTimers seen = new ClusterTimers(OptionalLong.empty(), OptionalLong.empty(), 300, Optional.of("a"));
        assertThat(seen.observe(unknownPosition, "me", false, running(Role.REPLICA, 250), 1)
                        .lastPrimaryPosition())
                .as("an unknown position keeps the last one")
                .isEqualTo(300);
        assertThat(seen.observe(MINE, "me", true, running(Role.PRIMARY, 700), 1).lastPrimaryPosition())
                .isEqualTo(700);
        assertThat(seen.observe(NOBODYS, "me", false, running(Role.REPLICA, 250), 1)
                        .lastPrimaryPosition())
                .as("while nobody leads, the last primary's position stays what failover compares with")
                .isEqualTo(300);
    }

    @Test
    void theLastLeaseHolderOutlivesItsLease() {
        ClusterTimers seen = ClusterTimers.START.observe(view(leaseOf("a")), "me", false, running(Role.REPLICA, 1), 1);
        assertThat(seen.lastLeaseHolder()).contains("a");
        assertThat(seen.observe(NOBODYS, "me", false, running(Role.REPLICA, 1), 2)
                        .lastLeaseHolder())
                .contains("a");
    }

    @ParameterizedTest(name = "role={0}, position={1}, primary at {2} -> lag {3}")
    @CsvSource({
        "PRIMARY, 10,  500, 0",
        "REPLICA, 400, 500, 100",
        "REPLICA, 600, 500, 0", // ahead of what the primary last published
        "REPLICA, -1,  500, -1",
        "REPLICA, 400, -1,  -1",
        "STOPPED, 400, 500, 100",
    })
    void lag(Role role, long position, long primaryPosition, long lag) {
        ClusterTimers timers =
                new ClusterTimers(OptionalLong.empty(), OptionalLong.empty(), primaryPosition, Optional.empty());
        EngineStatus status = new EngineStatus(
                role, DataState.VALID, position, 1, Optional.empty(), false, java.util.List.of(), Optional.empty());
        assertThat(timers.lagBytes(status)).isEqualTo(lag);
    }
}
