package io.steward.ha;

import static io.steward.ha.HaRulesTest.member;
import static org.assertj.core.api.Assertions.assertThat;

import io.steward.coordination.MemberInfo;
import io.steward.engine.Role;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PublicationTest {
    private static final Duration LOOP_WAIT = Duration.ofSeconds(1);
    private static final MemberInfo ME = member("me", Role.REPLICA, 100);
    private static final Publication LAST = new Publication(ME, 1_000, Optional.of("a"));

    static MemberInfo copy(
            MemberInfo m, Role role, long position, long updatedAt, Map<String, String> tags, Optional<String> aside) {
        return new MemberInfo(
                m.name(),
                role,
                m.healthy(),
                m.database(),
                m.apiUrl(),
                position,
                m.timeline(),
                m.upstream(),
                m.replayPaused(),
                m.noFailover(),
                m.priority(),
                m.agentVersion(),
                updatedAt,
                m.problem(),
                m.dnsName(),
                tags,
                aside,
                false);
    }

    @Test
    void theFirstEntryIsAlwaysPublished() {
        assertThat(Publication.due(Optional.empty(), ME, Optional.empty(), 0, LOOP_WAIT))
                .isTrue();
    }

    @Test
    void anUnchangedEntryWaitsForItsTurn() {
        MemberInfo later = copy(ME, Role.REPLICA, 100, 99_999, Map.of(), Optional.empty());
        assertThat(Publication.due(
                        Optional.of(LAST), later, Optional.of("a"), 1_000 + LOOP_WAIT.toNanos() - 1, LOOP_WAIT))
                .as("only its time changed")
                .isFalse();
        assertThat(Publication.due(Optional.of(LAST), later, Optional.of("a"), 1_000 + LOOP_WAIT.toNanos(), LOOP_WAIT))
                .as("a loop_wait later it is due again, so the others see it alive")
                .isTrue();
    }

    @Test
    void aChangeIsPublishedAtOnce() {
        long now = 1_001;
        assertThat(Publication.due(
                        Optional.of(LAST),
                        copy(ME, Role.PRIMARY, 100, 0, Map.of(), Optional.empty()),
                        Optional.of("a"),
                        now,
                        LOOP_WAIT))
                .as("role")
                .isTrue();
        assertThat(Publication.due(
                        Optional.of(LAST),
                        copy(ME, Role.REPLICA, 101, 0, Map.of(), Optional.empty()),
                        Optional.of("a"),
                        now,
                        LOOP_WAIT))
                .as("position")
                .isTrue();
        assertThat(Publication.due(
                        Optional.of(LAST),
                        copy(ME, Role.REPLICA, 100, 0, Map.of("k", "v"), Optional.empty()),
                        Optional.of("a"),
                        now,
                        LOOP_WAIT))
                .as("tags")
                .isTrue();
        assertThat(Publication.due(
                        Optional.of(LAST),
                        copy(ME, Role.REPLICA, 100, 0, Map.of(), Optional.of("guard")),
                        Optional.of("a"),
                        now,
                        LOOP_WAIT))
                .as("standing aside")
                .isTrue();
        assertThat(Publication.due(Optional.of(LAST), ME, Optional.of("b"), now, LOOP_WAIT))
                .as("the lease changed hands: the new primary sees every member at once")
                .isTrue();
        assertThat(Publication.due(Optional.of(LAST), ME, Optional.empty(), now, LOOP_WAIT))
                .as("lease gone")
                .isTrue();
    }
}
