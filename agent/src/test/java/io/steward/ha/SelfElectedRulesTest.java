package io.steward.ha;

import static io.steward.ha.HaRulesTest.endpoint;
import static io.steward.ha.HaRulesTest.member;
import static org.assertj.core.api.Assertions.assertThat;

import io.steward.coordination.ClusterView;
import io.steward.coordination.MemberInfo;
import io.steward.engine.ClusterMember;
import io.steward.engine.DataState;
import io.steward.engine.EngineStatus;
import io.steward.engine.Role;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SelfElectedRulesTest {

    @ParameterizedTest(name = "elected in {0}, latest recorded {1} -> proven {2}")
    @CsvSource(
            nullValues = "-",
            value = {
                "-, -, -", // not the elected primary
                "-, 5, -", "5, -, 5", // nothing recorded yet
                "5, 5, 5", // its own term is the latest
                "5, 4, 5", // a term behind its own: it is newer
                "5, 6, -", // a later primary was elected: this one has not noticed yet
            })
    void aTermIsProvenOnlyWhenNoLaterOneIsRecorded(Long elected, Long latest, Long proven) {
        assertThat(SelfElectedRules.provenTerm(optional(elected), optional(latest)))
                .isEqualTo(optional(proven));
    }

    @ParameterizedTest(name = "term {0} recorded: {1}")
    @CsvSource({"0, false", "1, true", "42, true"})
    void onlyADatabaseWithTermsRecordsThem(long term, boolean records) {
        EngineStatus probed = new EngineStatus(
                Role.PRIMARY, DataState.VALID, 1, term, Optional.empty(), false, List.of(), Optional.empty());
        assertThat(SelfElectedRules.recordsTerm(probed)).isEqualTo(records);
    }

    @Test
    void theDatabaseIsToldEveryKnownMemberByNameWithItsTagsAndPriorityZeroWhereItMayNotBePromoted() {
        MemberInfo arbiter = new MemberInfo(
                "c",
                Role.REPLICA,
                true,
                endpoint("c"),
                "http://c",
                1,
                1,
                Optional.empty(),
                false,
                true,
                100,
                "test",
                0,
                Optional.empty(),
                Optional.empty(),
                Map.of("member", "arbiter"),
                Optional.empty(),
                false);
        MemberInfo down = new MemberInfo(
                "b",
                Role.STOPPED,
                false,
                endpoint("b"),
                "http://b",
                -1,
                1,
                Optional.empty(),
                false,
                false,
                50,
                "test",
                0,
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Optional.of("its guard"),
                false);
        ClusterView view = new ClusterView(
                Map.of("c", arbiter, "a", member("a", Role.PRIMARY, 10), "b", down),
                Optional.empty(),
                0,
                Optional.empty(),
                false,
                Optional.empty(),
                Optional.empty());
        assertThat(SelfElectedRules.members(view))
                .containsExactly(
                        new ClusterMember("a", endpoint("a"), true, 100, Map.of()),
                        new ClusterMember("b", endpoint("b"), false, 0, Map.of()),
                        new ClusterMember("c", endpoint("c"), true, 0, Map.of("member", "arbiter")));
    }

    private static OptionalLong optional(Long value) {
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }
}
