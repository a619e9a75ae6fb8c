package io.steward.redis;

/**
 * The {@code INFO persistence} section of a Redis server (7.0), read into what dumps and restores need.
 *
 * @param saving whether an RDB save runs in the background now
 * @param saves how many RDB saves the server has made since it started: a count that moves even when two saves
 *        fall in the same second, where {@code LASTSAVE} would not
 * @param lastSaveOk whether the last background save succeeded
 * @param rewritingAof whether an append-only file rewrite runs or is scheduled
 * @param lastRewriteOk whether the last append-only file rewrite succeeded
 * @param keysLoaded how many keys the server read from its RDB file at start
 * @param keysExpiredOnLoad how many keys of that file it dropped at start because they had expired
 */
record PersistenceInfo(
        boolean saving,
        long saves,
        boolean lastSaveOk,
        boolean rewritingAof,
        boolean lastRewriteOk,
        long keysLoaded,
        long keysExpiredOnLoad) {

    /** Parses the reply of {@code INFO persistence}; throws IllegalArgumentException on a reply it cannot read. */
    static PersistenceInfo parse(String info) {
        RedisInfo fields = RedisInfo.parse(info);
        return new PersistenceInfo(
                flag(fields, "rdb_bgsave_in_progress"),
                number(fields, "rdb_saves"),
                fields.text("rdb_last_bgsave_status").filter("ok"::equals).isPresent(),
                flag(fields, "aof_rewrite_in_progress") || flag(fields, "aof_rewrite_scheduled"),
                fields.text("aof_last_bgrewrite_status").filter("ok"::equals).isPresent(),
                number(fields, "rdb_last_load_keys_loaded"),
                number(fields, "rdb_last_load_keys_expired"));
    }

    private static boolean flag(RedisInfo fields, String key) {
        return number(fields, key) != 0;
    }

    private static long number(RedisInfo fields, String key) {
        String value = fields.text(key)
                .orElseThrow(() -> new IllegalArgumentException(
                        "INFO persistence has no " + key + " field (Redis 7.0 or later needed)"));
        return RedisInfo.integerValue(value)
                .orElseThrow(() -> new IllegalArgumentException(
                        "INFO persistence field " + key + " is not a number: '" + value + "'"));
    }
}
