package io.steward.coordination;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SessionLivenessTest {
    private static final long SECOND = 1_000_000_000L;
    private static final Duration SESSION = Duration.ofSeconds(6);
    private static final long S = SESSION.toNanos();
    private static final long TICK = 2 * SECOND;

    private final SessionLiveness liveness = new SessionLiveness(Duration.ofNanos(TICK));

    @Test
    void aFirstSyncProvesOnlyWhatTheClientsOwnPingsGuarantee() {
        // no earlier answered request: some request reached the server within S/3 before the PING answer that
        // preceded the forwarded sync by up to a tick
        assertThat(liveness.answered(7, 100 * SECOND, SESSION)).isEqualTo(100 * SECOND - TICK - S / 3 + S);
    }

    @Test
    void anAnsweredSyncAtLeastOneTickOlderAnchorsTheSession() {
        liveness.answered(7, 100 * SECOND, SESSION);
        liveness.answered(7, 101 * SECOND, SESSION);
        // at 102 s, the sync of 100 s is a tick old: the leader has touched the session since it was sent
        assertThat(liveness.answered(7, 102 * SECOND, SESSION)).isEqualTo(100 * SECOND + S);
        // at 103.5 s the latest sync a tick old is the one of 101 s, not the newer one of 102 s
        assertThat(liveness.answered(7, 103 * SECOND + SECOND / 2, SESSION)).isEqualTo(101 * SECOND + S);
    }

    @Test
    void aSyncLessThanATickOldProvesNothingMoreThanThePings() {
        liveness.answered(7, 100 * SECOND, SESSION);
        // 1.9 s later: its touch may still be on its way to the leader when the link is cut
        long sent = 101 * SECOND + 900_000_000L;
        assertThat(liveness.answered(7, sent, SESSION)).isEqualTo(sent - TICK - S / 3 + S);
    }

    @Test
    void syncsOfAnEarlierSessionAnchorNothing() {
        liveness.answered(7, 100 * SECOND, SESSION);
        liveness.answered(7, 101 * SECOND, SESSION);
        long sent = 103 * SECOND;
        assertThat(liveness.answered(8, sent, SESSION)).isEqualTo(sent - TICK - S / 3 + S);
        // and the new session's own history starts from there
        assertThat(liveness.answered(8, sent + TICK, SESSION)).isEqualTo(sent + S);
    }

    @Test
    void answersArrivingOutOfOrderStillAnchorByWhenTheyWereSent() {
        // the loop's sync (sent first) is answered after the watchdog's proof (sent later)
        liveness.answered(7, 101 * SECOND, SESSION);
        liveness.answered(7, 100 * SECOND, SESSION);
        assertThat(liveness.answered(7, 102 * SECOND + SECOND / 2, SESSION)).isEqualTo(100 * SECOND + S);
    }

    @Test
    void theProofNeverReachesBeyondASessionTimeoutFromItsOwnSync() {
        for (int i = 0; i < 200; i++) {
            long sent = (100 + i) * SECOND / 4;
            assertThat(liveness.answered(7, sent, SESSION)).isLessThanOrEqualTo(sent + S - TICK);
        }
    }
}
