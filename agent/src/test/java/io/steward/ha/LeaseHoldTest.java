package io.steward.ha;

import static io.steward.ha.HaRulesTest.view;
import static org.assertj.core.api.Assertions.assertThat;

import io.steward.config.HaConfig;
import io.steward.coordination.ClusterView;
import io.steward.coordination.Lease;
import io.steward.coordination.Synced;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LeaseHoldTest {
    private static final long SESSION = 42;
    private static final long ALLOWANCE = HaConfig.FENCE_ALLOWANCE.toNanos();

    static Synced<Optional<Lease>> proof(String holder, long epoch, long session, long aliveUntil) {
        return proof(holder, epoch, session, session, aliveUntil);
    }

    /** A read by {@code readBy} that shows the lease of {@code holder}'s session {@code session}. */
    static Synced<Optional<Lease>> proof(String holder, long epoch, long session, long readBy, long aliveUntil) {
        return new Synced<>(Optional.of(new Lease(holder, epoch, session)), readBy, aliveUntil);
    }

    @Test
    void aProofHoldsUntilTheSessionCouldExpireLessTheFencesTime() {
        LeaseHold hold = LeaseHold.NONE.proven(7, proof("me", 7, SESSION, 10_000_000_000L), 100);
        assertThat(hold).isEqualTo(new LeaseHold(true, 7, 10_000_000_000L - ALLOWANCE, 100));
        assertThat(hold.validAt(10_000_000_000L - ALLOWANCE - 1)).isTrue();
        assertThat(hold.validAt(10_000_000_000L - ALLOWANCE)).isFalse();
    }

    @Test
    void aProofNeverShortensTheHold() {
        LeaseHold hold = LeaseHold.NONE.proven(7, proof("me", 7, SESSION, 10_000_000_000L), 100);
        LeaseHold older = hold.proven(7, proof("me", 7, SESSION, 5_000_000_000L), 200);
        assertThat(older.validUntilNanos()).isEqualTo(hold.validUntilNanos());
        assertThat(older.lastProofNanos()).isEqualTo(200);
    }

    @Test
    void aLeaseJustTakenHoldsOnlyAsLongAsTheWriteThatTookItProves() {
        LeaseHold earlier = new LeaseHold(false, 3, 0, 0).proven(3, proof("me", 3, SESSION, 90_000_000_000L), 1);
        Synced<Lease> taken = new Synced<>(new Lease("me", 8, SESSION), SESSION, 20_000_000_000L);
        assertThat(LeaseHold.taken(taken, 500)).isEqualTo(new LeaseHold(true, 8, 20_000_000_000L - ALLOWANCE, 500));
        assertThat(earlier.validUntilNanos())
                .as("what the earlier lease had does not carry over")
                .isGreaterThan(LeaseHold.taken(taken, 500).validUntilNanos());
    }

    /**
     * A store says "nothing proven" with {@link Long#MIN_VALUE} when the session changed under a read or a write: the
     * lease it shows then holds for no time at all, and the fence's allowance must not wrap that round into forever.
     */
    @Test
    void aReadOrWriteThatProvesNothingHoldsForNoTime() {
        Synced<Lease> unproven = new Synced<>(new Lease("me", 8, SESSION), SESSION, Long.MIN_VALUE);
        assertThat(LeaseHold.taken(unproven, 500).validAt(500)).isFalse();
        LeaseHold held = new LeaseHold(true, 7, 0, 10);
        assertThat(held.proven(7, unproven, 600).validAt(600)).isFalse();
        assertThat(held.afterProof(
                                new Synced<>(Optional.of(new Lease("me", 7, SESSION)), SESSION, Long.MIN_VALUE),
                                "me",
                                600)
                        .validAt(600))
                .isFalse();
    }

    @Test
    void losingTheLeaseEndsItsValidityAtOnce() {
        LeaseHold lost = LeaseHold.NONE
                .proven(7, proof("me", 7, SESSION, 10_000_000_000L), 100)
                .lost();
        assertThat(lost.held()).isFalse();
        assertThat(lost.validAt(0)).isFalse();
        assertThat(lost.validUntilNanos()).isZero();
        assertThat(lost.lastProofNanos()).isEqualTo(100);
    }

    /** A proof taken between ticks extends the hold only if it shows the very lease held. */
    @ParameterizedTest(name = "held={0}, a read of session 42 shows {1} epoch {2} session {3} -> extended {4}")
    @CsvSource({
        "true,  me,    7, 42, true",
        "true,  me,    8, 42, false", // a later lease of this node: the next tick says what it is
        "true,  me,    7, 43, false", // the lease of another session than the one that read it
        "true,  other, 7, 42, false",
        "false, me,    7, 42, false", // not held: a proof between ticks never takes a lease
    })
    void proofsBetweenTicks(boolean held, String holder, long epoch, long session, boolean extended) {
        LeaseHold hold = held ? new LeaseHold(true, 7, 1_000, 10) : new LeaseHold(false, 7, 0, 10);
        LeaseHold after = hold.afterProof(proof(holder, epoch, session, SESSION, 9_000_000_000L), "me", 50);
        assertThat(after.validUntilNanos() > hold.validUntilNanos()).isEqualTo(extended);
        assertThat(after.lastProofNanos()).isEqualTo(extended ? 50 : 10);
        assertThat(hold.afterProof(new Synced<>(Optional.empty(), SESSION, 9_000_000_000L), "me", 50))
                .isEqualTo(hold);
    }

    @ParameterizedTest(name = "last proof {0} ms ago -> overdue {1}")
    @CsvSource({"0, false", "1500, false", "1501, true", "9000, true"})
    void aProofIsOverdueAfterATickAndAHalf(long agoMillis, boolean overdue) {
        LeaseHold hold = new LeaseHold(true, 7, 0, 1_000_000_000_000L);
        long now = 1_000_000_000_000L + Duration.ofMillis(agoMillis).toNanos();
        assertThat(hold.proofOverdue(now, Duration.ofSeconds(1))).isEqualTo(overdue);
    }

    @ParameterizedTest(name = "lease until {0}, confirmed until {1} -> writable until {2}")
    @CsvSource({"500, 0, 500", "0, 700, 700", "900, 700, 900"})
    void writableWhileTheLeaseOrTheFailsafeConfirmationsLast(long lease, long confirmed, long until) {
        assertThat(new LeaseHold(true, 7, lease, 0).writableUntil(confirmed)).isEqualTo(until);
    }

    // ---- reading the lease ----------------------------------------------------------------------------------

    @ParameterizedTest(name = "lease of {0} session {1}, read by session 42 -> holds {2}, stale of ours {3}")
    @CsvSource({
        "me,    42, true,  false",
        "me,    41, false, true", // an earlier session of this agent
        "me,    40, false, false", // a session this agent never had: another process of the same name
        "other, 41, false, false",
    })
    void whatAReadSaysOfTheLease(String holder, long session, boolean holds, boolean stale) {
        ClusterView view = view(Optional.of(new Lease(holder, 7, session)));
        LeaseReading reading = LeaseReading.of(view, "me", SESSION, s -> s == 41 || s == 42);
        assertThat(reading).isEqualTo(new LeaseReading(holds, stale));
    }

    @Test
    void aReadNamesTheHolderWhenTheLeaseIsOursOrAnothers() {
        ClusterView nobody = view(Optional.empty());
        ClusterView another = view(Optional.of(new Lease("other", 7, 1)));
        ClusterView ourStale = view(Optional.of(new Lease("me", 7, 41)));
        assertThat(LeaseReading.of(nobody, "me", SESSION, s -> true).namesHolder(nobody, "me"))
                .isFalse();
        assertThat(LeaseReading.of(another, "me", SESSION, s -> true).namesHolder(another, "me"))
                .isTrue();
        assertThat(LeaseReading.of(ourStale, "me", SESSION, s -> true).namesHolder(ourStale, "me"))
                .as("a stale lease of ours names no holder yet")
                .isFalse();
        ClusterView ours = view(Optional.of(new Lease("me", 7, SESSION)));
        assertThat(LeaseReading.of(ours, "me", SESSION, s -> true).namesHolder(ours, "me"))
                .isTrue();
    }
}
