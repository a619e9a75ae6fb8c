package io.steward.postgres;

import io.steward.progress.Progress;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code pg_basebackup --progress}: a line such as {@code 24570/38577 kB (63%), 0/1 tablespace}, redrawn as the
 * copy goes on. The total is pg_basebackup's estimate of the data directory's size.
 */
final class BaseBackupProgress {
    private static final Pattern REPORT = Pattern.compile("(\\d+)/(\\d+) kB \\((\\d+)%\\)");

    private BaseBackupProgress() {}

    /** The copy's progress as of {@code line}; empty for a line that is no progress report. */
    static Optional<Progress> parse(String what, String line, Duration elapsed) {
        Matcher report = REPORT.matcher(line);
        if (!report.find()) {
            return Optional.empty();
        }
        long done = Long.parseLong(report.group(1)) * 1024;
        long total = Long.parseLong(report.group(2)) * 1024;
        return Optional.of(Progress.bytes(what, done, OptionalLong.of(Math.max(done, total)), elapsed));
    }
}
