package io.steward.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.config.Route53Config.RecordType;
import io.steward.coordination.ClusterView;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.engine.Endpoint;
import io.steward.engine.Role;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RecordIntentTest {
    private static final long MAX_LAG = 1000;

    private static MemberInfo member(String name, Role role, boolean healthy, long position, boolean streaming) {
        return new MemberInfo(
                name,
                role,
                healthy,
                new Endpoint("10.0.0." + (name.charAt(0) - 'a' + 1), 5432),
                "http://" + name,
                position,
                1,
                streaming ? Optional.of("10.0.0.1:5432") : Optional.empty(),
                false,
                false,
                100,
                "test",
                0,
                Optional.empty(),
                Optional.of(name + ".internal"),
                Map.of(),
                Optional.empty(),
                false);
    }

    private static ClusterView view(MemberInfo... members) {
        return new ClusterView(
                Arrays.stream(members).collect(Collectors.toMap(MemberInfo::name, Function.identity())),
                Optional.of(new Lease("a", 4, 1)),
                4,
                Optional.of("a"),
                false,
                Optional.empty(),
                Optional.empty());
    }

    private static Target cname(String name) {
        return new Target(name, RecordType.CNAME, name + ".internal");
    }

    private static final MemberInfo PRIMARY = member("a", Role.PRIMARY, true, 10_000, false);
    private static final MemberInfo CLOSE = member("b", Role.REPLICA, true, 9_500, true);
    private static final MemberInfo AT_LIMIT = member("c", Role.REPLICA, true, 9_000, true);

    @Test
    void theProvenPrimaryWantsThePrimaryRecordAndEveryCloseStreamingReplicaAsReaders() {
        RecordIntent intent = RecordIntent.of(
                view(PRIMARY, AT_LIMIT, CLOSE), "a", Role.PRIMARY, 10_000, true, MAX_LAG, RecordType.CNAME);

        assertThat(intent.primary()).contains(cname("a"));
        assertThat(intent.readers()).containsExactly(cname("b"), cname("c"));
        assertThat(intent.self()).contains(cname("a"));
    }

    @Test
    void replicasThatLagTooFarAreUnhealthyDoNotStreamOrAreNotReplicasTakeNoReads() {
        RecordIntent intent = RecordIntent.of(
                view(
                        PRIMARY,
                        CLOSE,
                        member("d", Role.REPLICA, true, 8_999, true),
                        member("e", Role.REPLICA, false, 10_000, true),
                        member("f", Role.REPLICA, true, 10_000, false),
                        member("g", Role.STOPPED, false, 10_000, false),
                        member("h", Role.REPLICA, true, -1, true)),
                "a",
                Role.PRIMARY,
                10_000,
                true,
                MAX_LAG,
                RecordType.CNAME);

        assertThat(intent.readers()).containsExactly(cname("b"));
    }

    @Test
    void withoutAProvenLeaseOnlyTheOwnRecordIsWanted() {
        RecordIntent intent =
                RecordIntent.of(view(PRIMARY, CLOSE), "a", Role.PRIMARY, 10_000, false, MAX_LAG, RecordType.CNAME);

        assertThat(intent)
                .isEqualTo(new RecordIntent(
                        Optional.empty(),
                        List.of(),
                        Optional.of(cname("a")),
                        Optional.of(cname("a")),
                        Set.of("a.internal", "b.internal")));
    }

    @Test
    void aLeaseHolderWhoseServerIsNotPrimaryYetPointsNothingAtItself() {
        RecordIntent intent =
                RecordIntent.of(view(PRIMARY, CLOSE), "a", Role.REPLICA, 10_000, true, MAX_LAG, RecordType.CNAME);

        assertThat(intent.primary()).isEmpty();
        assertThat(intent.readers()).isEmpty();
    }

    @Test
    void aReplicaWantsOnlyItsOwnRecord() {
        RecordIntent intent =
                RecordIntent.of(view(PRIMARY, CLOSE), "b", Role.REPLICA, 9_500, false, MAX_LAG, RecordType.CNAME);

        assertThat(intent)
                .isEqualTo(new RecordIntent(
                        Optional.empty(),
                        List.of(),
                        Optional.of(cname("b")),
                        Optional.of(cname("b")),
                        Set.of("a.internal", "b.internal")));
    }

    @Test
    void aRecordsHoldTheDatabaseAddress() {
        RecordIntent intent =
                RecordIntent.of(view(PRIMARY, CLOSE), "a", Role.PRIMARY, 10_000, true, MAX_LAG, RecordType.A);

        assertThat(intent.primary()).contains(new Target("a", RecordType.A, "10.0.0.1"));
        assertThat(intent.readers()).containsExactly(new Target("b", RecordType.A, "10.0.0.2"));
    }

    @Test
    void aMemberWithoutAUsableValueForTheTypeGetsNoEntry() {
        MemberInfo noDnsName = new MemberInfo(
                "b",
                Role.REPLICA,
                true,
                new Endpoint("db-b.internal", 5432),
                "http://b",
                9_900,
                1,
                Optional.of("10.0.0.1:5432"),
                false,
                false,
                100,
                "test",
                0,
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.empty(),
                false);

        assertThat(RecordIntent.of(view(PRIMARY, noDnsName), "a", Role.PRIMARY, 10_000, true, MAX_LAG, RecordType.CNAME)
                        .readers())
                .as("CNAME without a DNS name")
                .isEmpty();
        assertThat(RecordIntent.of(view(PRIMARY, noDnsName), "a", Role.PRIMARY, 10_000, true, MAX_LAG, RecordType.A)
                        .readers())
                .as("A with a host name instead of an address")
                .isEmpty();
        assertThat(RecordIntent.of(view(noDnsName), "b", Role.REPLICA, 9_900, false, MAX_LAG, RecordType.CNAME)
                        .self())
                .isEmpty();
    }

    @Test
    void aMemberNotYetInTheViewWantsNothing() {
        RecordIntent intent = RecordIntent.of(view(CLOSE), "a", Role.PRIMARY, 10_000, true, MAX_LAG, RecordType.CNAME);

        assertThat(intent)
                .isEqualTo(new RecordIntent(
                        Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Set.of("b.internal")));
    }

    @Test
    void aHealthyMemberWantsItsWeightedEntryAndAnUnhealthyOneWantsItGone() {
        MemberInfo down = member("e", Role.STOPPED, false, -1, false);
        MemberInfo unjoined = member("f", Role.REPLICA, false, -1, false);

        assertThat(RecordIntent.of(view(PRIMARY, CLOSE), "b", Role.REPLICA, -1, false, MAX_LAG, RecordType.CNAME)
                        .weighted())
                .contains(cname("b"));
        assertThat(RecordIntent.of(view(PRIMARY, down), "e", Role.STOPPED, -1, false, MAX_LAG, RecordType.CNAME)
                        .weighted())
                .isEmpty();
        assertThat(RecordIntent.of(view(PRIMARY, unjoined), "f", Role.REPLICA, -1, false, MAX_LAG, RecordType.CNAME)
                        .weighted())
                .isEmpty();
    }
}
