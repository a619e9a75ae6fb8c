package io.steward.backup;

import io.steward.config.RetentionClass;
import java.time.Instant;

/**
 * A dump in the archive, as {@code GET /dumps} shows it.
 *
 * @param name the dump's name ({@link io.steward.engine.DumpName}): what an engine's setting for the dump a new
 *        cluster starts from names
 * @param member who took it
 * @param takenAt when
 * @param retention its class: that of the longest period (UTC month, ISO week, day, hour) it was the first dump of
 * @param expiresAt when the purge may delete it (never while it is the newest)
 * @param key the object's key in the bucket
 * @param storedSize the object's size in bytes, compressed
 */
public record ArchivedDump(
        String name,
        String member,
        Instant takenAt,
        RetentionClass retention,
        Instant expiresAt,
        String key,
        long storedSize) {}
