package io.steward.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.engine.EngineException;
import io.steward.engine.Role;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class PlannedRestartsTest {
    private static final Decision OBSERVE = new Decision(new Action.Observe(), "streaming from pg1");
    private static final RestartRules.Situation REPLICA =
            new RestartRules.Situation(Role.REPLICA, true, false, true, Optional.empty());
    private final PlannedRestarts restarts = new PlannedRestarts();

    private static RestartRequest request(boolean onlyIfPending) {
        return new RestartRequest(Optional.empty(), onlyIfPending, Optional.empty(), Instant.EPOCH);
    }

    @Test
    void oneRequestAtATimeAndItsOutcomeCompletesOnceCarriedOut() throws Exception {
        CompletableFuture<String> outcome = restarts.request(request(false)).orElseThrow();
        assertThat(restarts.request(request(false))).isEmpty();

        Decision decision = restarts.amend(OBSERVE, REPLICA, 0, List::of);
        assertThat(decision.action()).isEqualTo(new Action.Restart());
        assertThat(outcome).isNotDone();

        restarts.carryOut(() -> {});
        assertThat(outcome.get()).isEqualTo("restarted");
        assertThat(restarts.waiting()).isEmpty();
        assertThat(restarts.amend(OBSERVE, REPLICA, 0, List::of)).isSameAs(OBSERVE);
    }

    @Test
    void aFailedRestartFailsTheOutcomeAndTheLoopSeesTheError() {
        CompletableFuture<String> outcome = restarts.request(request(false)).orElseThrow();
        restarts.amend(OBSERVE, REPLICA, 0, List::of);

        assertThatThrownBy(() -> restarts.carryOut(() -> {
                    throw new EngineException("pg_ctl start failed");
                }))
                .isInstanceOf(EngineException.class);
        assertThatThrownBy(outcome::get)
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("pg_ctl start failed");
    }

    @Test
    void aDroppedRequestSaysWhyAndTheRulesDecisionStands() throws Exception {
        CompletableFuture<String> outcome = restarts.request(request(true)).orElseThrow();

        assertThat(restarts.amend(OBSERVE, REPLICA, 0, List::of)).isSameAs(OBSERVE);
        assertThat(outcome.get()).isEqualTo("not restarted: no setting waits for a restart");
        assertThat(restarts.waiting()).isEmpty();
    }

    @Test
    void pendingSettingsAreAskedOnlyWhenNeededAndAnErrorDropsTheRequest() throws Exception {
        restarts.request(request(false)).orElseThrow();
        assertThat(restarts.amend(OBSERVE, REPLICA, 0, () -> {
                            throw new AssertionError("not needed");
                        })
                        .action())
                .isEqualTo(new Action.Restart());
        restarts.carryOut(() -> {});

        CompletableFuture<String> outcome = restarts.request(request(true)).orElseThrow();
        assertThat(restarts.amend(OBSERVE, REPLICA, 0, () -> {
                    throw new EngineException("connection refused");
                }))
                .isSameAs(OBSERVE);
        assertThat(outcome.get()).contains("cannot tell whether a setting waits for a restart: connection refused");
    }

    @Test
    void aCancelledRequestIsDroppedAndSaysSo() throws Exception {
        CompletableFuture<String> outcome = restarts.request(request(false)).orElseThrow();

        assertThat(restarts.cancel()).isTrue();
        assertThat(restarts.cancel()).isFalse();
        assertThat(outcome.get()).isEqualTo("not restarted: cancelled by an operator");
    }
}
