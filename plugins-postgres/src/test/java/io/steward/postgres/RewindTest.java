package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.DataState;
import io.steward.engine.EngineStatus;
import io.steward.engine.Role;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When a running replica must restart (and maybe rewind) to follow a primary, rather than only repoint. */
class RewindTest {

    private static EngineStatus replica(long timeline, long position) {
        return new EngineStatus(
                Role.REPLICA,
                DataState.VALID,
                position,
                timeline,
                Optional.empty(),
                false,
                List.of(),
                Optional.empty());
    }

    @Test
    void aReplicaOnThePrimarysTimelineAndBehindItOnlyRepoints() {
        assertThat(Rewind.mustRestartToFollow(replica(3, 1000), new Rewind.WalPosition(3, 1000)))
                .isFalse();
        assertThat(Rewind.mustRestartToFollow(replica(3, 900), new Rewind.WalPosition(3, 1000)))
                .isFalse();
    }

    @Test
    void aReplicaOnAnotherTimelineRestarts() {
        assertThat(Rewind.mustRestartToFollow(replica(2, 900), new Rewind.WalPosition(3, 1000)))
                .isTrue();
    }

    @Test
    void aReplicaAheadOfThePrimaryRestarts() {
        assertThat(Rewind.mustRestartToFollow(replica(3, 1001), new Rewind.WalPosition(3, 1000)))
                .isTrue();
    }
}
