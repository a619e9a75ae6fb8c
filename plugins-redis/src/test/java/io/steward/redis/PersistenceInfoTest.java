package io.steward.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Reading INFO persistence as Redis 7.0 writes it. */
class PersistenceInfoTest {
    private static final String SAVING = String.join(
            "\r\n",
            "# Persistence",
            "loading:0",
            "async_loading:0",
            "rdb_changes_since_last_save:0",
            "rdb_bgsave_in_progress:1",
            "rdb_last_save_time:1796177997",
            "rdb_last_bgsave_status:ok",
            "rdb_saves:3",
            "rdb_last_load_keys_expired:1",
            "rdb_last_load_keys_loaded:41",
            "aof_enabled:1",
            "aof_rewrite_in_progress:0",
            "aof_rewrite_scheduled:1",
            "aof_last_bgrewrite_status:err",
            "");

    @Test
    void readsSavesRewritesAndWhatTheLastLoadRead() {
        PersistenceInfo info = PersistenceInfo.parse(SAVING);

        assertThat(info).isEqualTo(new PersistenceInfo(true, 3, true, true, false, 41, 1));
    }

    @Test
    void anOlderServerWithoutTheCountersIsNamed() {
        assertThatThrownBy(() -> PersistenceInfo.parse(SAVING.replace("rdb_saves:3", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rdb_saves");
    }
}
