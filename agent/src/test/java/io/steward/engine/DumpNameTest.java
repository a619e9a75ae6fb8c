package io.steward.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class DumpNameTest {

    @Test
    void aNameIsTheUtcTimeToTheMillisecondTheMemberAndTheFormat() {
        DumpName name = new DumpName(Instant.parse("2026-11-22T10:15:00.123456Z"), "redis.1", "rdb");

        assertThat(name).hasToString("20261122T101500.123Z-redis.1.rdb");
        assertThat(DumpName.parse(name.toString())).isEqualTo(name);
        assertThat(DumpName.parse("20261122T101500.123Z-redis.1.rdb").member()).isEqualTo("redis.1");
    }

    @Test
    void namesSortByTime() {
        String earlier = new DumpName(Instant.parse("2026-11-22T09:59:59.999Z"), "zz", "rdb").toString();
        String later = new DumpName(Instant.parse("2026-11-22T10:00:00Z"), "aa", "rdb").toString();

        assertThat(earlier).isLessThan(later);
    }

    @Test
    void onlyTheExactFormIsAName() {
        for (String text : new String[] {
            "",
            "latest",
            "20261122T101500Z-r1.rdb",
            "20261122T101500.123Z-r1",
            "20261122T101500.123Z-r1.RDB",
            "20261122T101500.123Z-r/1.rdb",
            "20261122T251500.123Z-r1.rdb",
            " 20261122T101500.123Z-r1.rdb"
        }) {
            assertThatThrownBy(() -> DumpName.parse(text))
                    .as(text)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + text + "' is not a dump name")
                    .hasMessageContaining(DumpName.FORM);
        }
    }

    @Test
    void aSelectorIsLatestOrAName() {
        assertThat(DumpSelector.parse("latest")).isEqualTo(new DumpSelector.Latest());
        assertThat(DumpSelector.parse("20261122T101500.123Z-r1.rdb"))
                .isEqualTo(new DumpSelector.Named(DumpName.parse("20261122T101500.123Z-r1.rdb")));
        assertThatThrownBy(() -> DumpSelector.parse("newest")).hasMessageStartingWith("latest, or the exact name");
    }
}
