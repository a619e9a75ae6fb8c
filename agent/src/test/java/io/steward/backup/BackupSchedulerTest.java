package io.steward.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.coordination.ClusterView;
import io.steward.coordination.Lease;
import io.steward.coordination.MemberInfo;
import io.steward.engine.Endpoint;
import io.steward.engine.ManagedMembership;
import io.steward.engine.Role;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BackupSchedulerTest {
    private static MemberInfo member(String name, Role role, boolean healthy, boolean streaming) {
        return member(name, role, healthy, streaming, Map.of());
    }

    private static MemberInfo member(
            String name, Role role, boolean healthy, boolean streaming, Map<String, String> tags) {
        return new MemberInfo(
                name,
                role,
                healthy,
                new Endpoint("10.0.0.1", 5432),
                "http://" + name,
                100,
                1,
                streaming ? Optional.of("10.0.0.1:5432") : Optional.empty(),
                false,
                false,
                100,
                "test",
                0,
                Optional.empty(),
                Optional.empty(),
                tags,
                Optional.empty(),
                false);
    }

    private static ClusterView view(MemberInfo... members) {
        return new ClusterView(
                Arrays.stream(members).collect(Collectors.toMap(MemberInfo::name, Function.identity())),
                Optional.of(new Lease("a", 2, 1)),
                2,
                Optional.of("a"),
                false,
                Optional.empty(),
                Optional.empty());
    }

    private final ClusterView cluster = view(
            member("a", Role.PRIMARY, true, false),
            member("c", Role.REPLICA, true, true),
            member("b", Role.REPLICA, false, true),
            member("d", Role.REPLICA, true, true));

    @Test
    void onThePrimaryOnlyTheProvenLeaseHolderTakesSets() {
        assertThat(BackupScheduler.designated(cluster, "a", Role.PRIMARY, true, false))
                .isTrue();
        assertThat(BackupScheduler.designated(cluster, "a", Role.PRIMARY, false, false))
                .as("lease not provable")
                .isFalse();
        assertThat(BackupScheduler.designated(cluster, "c", Role.REPLICA, false, false))
                .isFalse();
    }

    @Test
    void onAReplicaTheFirstHealthyStreamingReplicaByNameTakesThem() {
        assertThat(BackupScheduler.designated(cluster, "c", Role.REPLICA, false, true))
                .as("b is unhealthy")
                .isTrue();
        assertThat(BackupScheduler.designated(cluster, "d", Role.REPLICA, false, true))
                .isFalse();
        assertThat(BackupScheduler.designated(cluster, "a", Role.PRIMARY, true, true))
                .isFalse();
    }

    @Test
    void aHealthyReplicaKeptForBackupsGoesFirst() {
        Map<String, String> kept = Map.of(ManagedMembership.BACKUP_TAG, ManagedMembership.PREFERRED_FOR_BACKUPS);
        ClusterView withHidden = view(
                member("a", Role.PRIMARY, true, false),
                member("c", Role.REPLICA, true, true),
                member("h", Role.REPLICA, true, true, kept));
        ClusterView hiddenDown = view(
                member("a", Role.PRIMARY, true, false),
                member("c", Role.REPLICA, true, true),
                member("h", Role.REPLICA, false, true, kept));

        assertThat(BackupScheduler.designated(withHidden, "h", Role.REPLICA, false, true))
                .isTrue();
        assertThat(BackupScheduler.designated(withHidden, "c", Role.REPLICA, false, true))
                .isFalse();
        assertThat(BackupScheduler.designated(hiddenDown, "c", Role.REPLICA, false, true))
                .isTrue();
    }

    @Test
    void withoutAnyHealthyReplicaThePrimaryStandsIn() {
        ClusterView alone = view(member("a", Role.PRIMARY, true, false), member("b", Role.REPLICA, true, false));
        assertThat(BackupScheduler.designated(alone, "a", Role.PRIMARY, true, true))
                .isTrue();
        assertThat(BackupScheduler.designated(alone, "b", Role.REPLICA, false, true))
                .isFalse();
    }
}
