package io.steward.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.RewindFailedException.Next;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RejoinStateTest {

    @ParameterizedTest(name = "{0} -> reinitialise {1}, waits for an operator {2}")
    @CsvSource({"RETRY, false, false", "REINITIALIZE, true, false", "WAIT_FOR_OPERATOR, false, true"})
    void whatAFailedRewindLeaves(Next next, boolean reinitialize, boolean operator) {
        RejoinState state = RejoinState.NONE.rewindFailed(next, "diverged", 7);
        assertThat(state.mustReinitialize()).isEqualTo(reinitialize);
        assertThat(state.needsOperator(7).isPresent()).isEqualTo(operator);
    }

    @Test
    void anOperatorsCaseLastsOnlyWhileItsEpochDoes() {
        RejoinState stuck = RejoinState.NONE.rewindFailed(Next.WAIT_FOR_OPERATOR, "diverged", 7);
        assertThat(stuck.needsOperator(7)).contains("diverged");
        assertThat(stuck.needsOperator(8))
                .as("a new primary is worth another try")
                .isEmpty();
    }

    @Test
    void aLaterRetryableFailureKeepsTheOperatorsCase() {
        RejoinState stuck = RejoinState.NONE.rewindFailed(Next.WAIT_FOR_OPERATOR, "diverged", 7);
        assertThat(stuck.rewindFailed(Next.RETRY, "unreachable", 7).needsOperator(7))
                .contains("diverged");
        assertThat(stuck.rewindFailed(Next.REINITIALIZE, "again", 7).mustReinitialize())
                .isTrue();
    }
}
