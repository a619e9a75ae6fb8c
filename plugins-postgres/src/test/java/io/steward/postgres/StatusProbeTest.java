package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The probe's readings of WAL file names and of a postmaster that does not take connections. */
class StatusProbeTest {
    private static final long SEGMENT = 16L << 20;

    @Test
    void aReplicaThatReplayedAllItReceivedWhileStreamingIsNotBehindHoweverOldItsLastCommit() {
        assertThat(StatusProbe.delay(Optional.of(true), true, Optional.of(3_600_000L)))
                .contains(Duration.ZERO);
    }

    @Test
    void aReplicaWithWalLeftToReplayIsAsFarBehindAsItsLastReplayedCommitIsOld() {
        assertThat(StatusProbe.delay(Optional.of(false), true, Optional.of(1_500L)))
                .contains(Duration.ofMillis(1_500));
        // the two machines' clocks a little apart
        assertThat(StatusProbe.delay(Optional.of(false), true, Optional.of(-20L)))
                .contains(Duration.ZERO);
        // nothing replayed yet
        assertThat(StatusProbe.delay(Optional.of(false), true, Optional.empty()))
                .isEmpty();
    }

    @Test
    void aReplicaThatCannotKnowWhatItMissesIsUnknown() {
        // caught up with what it received, but no longer streaming
        assertThat(StatusProbe.delay(Optional.of(true), false, Optional.of(10L)))
                .isEmpty();
        // nothing received by streaming since it started: replaying the archive
        assertThat(StatusProbe.delay(Optional.empty(), false, Optional.of(10L))).isEmpty();
    }

    @Test
    void aWalFileNameStartsWithItsTimeline() {
        assertThat(StatusProbe.timelineOfWalFile("0000000A000000010000002F")).isEqualTo(10);
    }

    @Test
    void theSegmentHoldingAPositionIsNamedByLogIdAndSegment() {
        assertThat(StatusProbe.segmentNameSuffix(0, SEGMENT)).isEqualTo("0000000000000000");
        assertThat(StatusProbe.segmentNameSuffix(SEGMENT + 1, SEGMENT)).isEqualTo("0000000000000001");
        // 256 segments of 16 MiB make one log id
        assertThat(StatusProbe.segmentNameSuffix(0x1_0000_0000L + 3 * SEGMENT, SEGMENT))
                .isEqualTo("0000000100000003");
    }

    @Test
    void aPostmasterThatDoesNotAnswerSaysWhy() {
        assertThat(StatusProbe.notAcceptingConnections("starting", () -> "in crash recovery", "refused"))
                .isEqualTo("in crash recovery");
        assertThat(StatusProbe.notAcceptingConnections("starting", () -> "in archive recovery", "refused"))
                .isEqualTo("starting");
        assertThat(StatusProbe.notAcceptingConnections("stopping", () -> "", "refused"))
                .isEqualTo("shutting down");
        assertThat(StatusProbe.notAcceptingConnections("ready", () -> "", "too many clients"))
                .isEqualTo("not accepting connections: too many clients");
    }

    @Test
    void theControlFileIsReadOnlyForAStartingPostmaster() {
        assertThat(StatusProbe.notAcceptingConnections(
                        "ready",
                        () -> {
                            throw new AssertionError("pg_controldata run for a running server");
                        },
                        "x"))
                .startsWith("not accepting");
    }
}
