package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplayPositionTest {
    private static final Instant TARGET = Instant.parse("2026-11-22T09:30:00Z");

    @Test
    void replayIsMeasuredAgainstTheTargetTime() {
        ReplayPosition replay = new ReplayPosition("0/3000060", Optional.of(Instant.parse("2026-11-22T09:29:48.250Z")));

        assertThat(replay.against(Optional.of(TARGET)))
                .isEqualTo("at 0/3000060, last transaction 2026-11-22T09:29:48Z, 11 s before the target "
                        + "2026-11-22T09:30:00Z");
        assertThat(replay.against(Optional.empty()))
                .isEqualTo("at 0/3000060, last transaction 2026-11-22T09:29:48Z, replaying to the end of the archive");
    }

    @Test
    void beforeAnyTransactionOrPastTheTargetOnlyTheTargetIsNamed() {
        assertThat(new ReplayPosition("0/2000028", Optional.empty()).against(Optional.of(TARGET)))
                .isEqualTo("at 0/2000028, no transaction replayed yet, target 2026-11-22T09:30:00Z");
        assertThat(new ReplayPosition("0/2000028", Optional.of(TARGET.plusSeconds(1))).against(Optional.of(TARGET)))
                .isEqualTo("at 0/2000028, last transaction 2026-11-22T09:30:01Z, target 2026-11-22T09:30:00Z");
    }
}
