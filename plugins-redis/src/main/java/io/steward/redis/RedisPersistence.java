package io.steward.redis;

import static io.steward.redis.RedisConnection.message;

import io.lettuce.core.RedisException;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.steward.engine.EngineException;
import io.steward.engine.support.CommandRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the engine waits for in Redis's persistence: background saves (BGSAVE) before a dump is handed over for upload
 * and before a snapshot at persistence low, where the last save is all the volume holds; a restored dump checked
 * before the server loads it; and the append-only file written from memory once it has.
 */
final class RedisPersistence {
    private static final Pattern CHECK_RDB_KEYS = Pattern.compile("\\[info\\] (\\d+) keys read");

    private final RedisConnection redis;
    private final RedisSettings settings;
    private final CommandRunner runner;
    private final RedisDataDirectory dataDirectory;

    RedisPersistence(
            RedisConnection redis, RedisSettings settings, CommandRunner runner, RedisDataDirectory dataDirectory) {
        this.redis = redis;
        this.settings = settings;
        this.runner = runner;
        this.dataDirectory = dataDirectory;
    }

    /** Returns once a save that started after this call has finished, within {@code redis.dump_timeout}. */
    void freshSave(String step) {
        Instant deadline = Instant.now().plus(settings.dumpTimeout());
        awaitSave(step, bgsave(step, deadline), deadline);
    }

    /**
     * Starts a background save that begins after this call: a save already under way (a save point, another dump)
     * may hold older data, so it is waited out first; during an append-only file rewrite the save is scheduled.
     *
     * @return the server's count of saves before this one
     */
    private long bgsave(String step, Instant deadline) {
        while (true) {
            PersistenceInfo before = persistenceInfo(step);
            if (!before.saving()) {
                try {
                    redis.commands()
                            .dispatch(
                                    CommandType.BGSAVE,
                                    new StatusOutput<>(StringCodec.UTF8),
                                    new CommandArgs<>(StringCodec.UTF8).add("SCHEDULE"));
                    return before.saves();
                } catch (RedisException e) {
                    if (!message(e).contains("already in progress")) {
                        throw new EngineException(step + ": BGSAVE failed: " + message(e), e);
                    }
                    // a save point started a save between INFO and BGSAVE: wait for it like for any other
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new EngineException(step + ": a save already under way did not finish within "
                        + settings.dumpTimeout().toSeconds() + " s");
            }
            RedisEngine.pause();
        }
    }

    private void awaitSave(String step, long savesBefore, Instant deadline) {
        boolean sawSaving = false;
        while (true) {
            PersistenceInfo now = persistenceInfo(step);
            sawSaving |= now.saving();
            if (!now.saving() && now.saves() > savesBefore) {
                if (!now.lastSaveOk()) {
                    throw new EngineException(step + ": BGSAVE failed: " + dataDirectory.logTailForMessages());
                }
                return;
            }
            if (sawSaving && !now.saving() && !now.lastSaveOk()) {
                throw new EngineException(step + ": BGSAVE failed: " + dataDirectory.logTailForMessages());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new EngineException(step + ": BGSAVE did not finish within "
                        + settings.dumpTimeout().toSeconds() + " s (redis.dump_timeout)");
            }
            RedisEngine.pause();
        }
    }

    PersistenceInfo persistenceInfo(String step) {
        try {
            return PersistenceInfo.parse(redis.commands().info("persistence"));
        } catch (RedisException | IllegalArgumentException e) {
            throw new EngineException(step + ": INFO persistence failed: " + message(e), e);
        }
    }

    /**
     * Checks the whole file with redis-check-rdb before the server sees it: a damaged dump is named as such, rather
     * than as a server that exited while loading.
     *
     * @return how many keys the dump holds
     */
    long checkRdb(String step, Path rdb) {
        CommandRunner.Result result = runner.run(
                step + ": redis-check-rdb",
                List.of(settings.binary("redis-check-rdb").toString(), rdb.toString()),
                Map.of(),
                settings.startTimeout());
        if (!result.succeeded()) {
            throw new EngineException(step + ": redis-check-rdb refuses the dump: " + result.tail());
        }
        Matcher keys = CHECK_RDB_KEYS.matcher(result.output());
        if (!keys.find()) {
            throw new EngineException(
                    step + ": redis-check-rdb did not say how many keys the dump holds: " + result.tail());
        }
        return Long.parseLong(keys.group(1));
    }

    /**
     * Turns the append-only file on for a dataset loaded from an RDB file: Redis writes the file's base from memory,
     * and only once that is done may the config say {@code appendonly yes} (a restart would otherwise load nothing).
     */
    void startAppendOnlyFile(String step) {
        try {
            redis.commands().configSet("appendonly", "yes");
        } catch (RedisException e) {
            throw new EngineException(step + ": CONFIG SET appendonly yes failed: " + message(e), e);
        }
        Instant deadline = Instant.now().plus(settings.dumpTimeout());
        while (true) {
            PersistenceInfo now = persistenceInfo(step);
            if (!now.rewritingAof() && hasAppendOnlyFile(step)) {
                if (!now.lastRewriteOk()) {
                    throw new EngineException(
                            step + ": writing the append-only file failed: " + dataDirectory.logTailForMessages());
                }
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new EngineException(step + ": the append-only file was not written within "
                        + settings.dumpTimeout().toSeconds() + " s (redis.dump_timeout)");
            }
            RedisEngine.pause();
        }
    }

    private boolean hasAppendOnlyFile(String step) {
        try {
            return dataDirectory.hasAppendOnlyFile();
        } catch (IOException e) {
            throw new EngineException(step + ": cannot look into " + settings.dataDir() + ": " + e.getMessage(), e);
        }
    }
}
