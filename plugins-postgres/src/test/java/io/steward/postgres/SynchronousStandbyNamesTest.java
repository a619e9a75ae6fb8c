package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The value of synchronous_standby_names for the members the primary must wait for, and its ALTER SYSTEM. */
class SynchronousStandbyNamesTest {

    @Test
    void noMemberMakesReplicationAsynchronous() {
        assertThat(SynchronousStandbyNames.value(List.of())).isEmpty();
    }

    @Test
    void theFirstOfTheNamedMembersEachOnceAndQuoted() {
        assertThat(SynchronousStandbyNames.value(List.of("db-2", "db-3", "db-2")))
                .isEqualTo("FIRST 1 (\"db-2\",\"db-3\")");
        assertThat(SynchronousStandbyNames.value(List.of("odd\"name"))).isEqualTo("FIRST 1 (\"odd\"\"name\")");
    }

    @Test
    void theValueIsAStringLiteralOfAlterSystem() {
        assertThat(SynchronousStandbyNames.alterSystem("FIRST 1 (\"it's\")"))
                .isEqualTo("ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (\"it''s\")'");
    }
}
