package io.steward.postgres;

import io.steward.progress.Progress;
import io.steward.progress.ProgressFormat;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one {@code pg_basebackup --progress}: a line such as {@code 24570/38577 kB (63%), 0/1 tablespace}, redrawn
 * as the copy goes on (the total is pg_basebackup's estimate of the data directory's size). The latest is there for
 * {@code /health}; the log has the first, then one every {@link #LOG_INTERVAL}.
 */
final class BaseBackupProgress implements Consumer<String> {
    private static final Logger log = LoggerFactory.getLogger(BaseBackupProgress.class);
    private static final Pattern REPORT = Pattern.compile("(\\d+)/(\\d+) kB \\((\\d+)%\\)");
    private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

    private final String primary;
    private final long started = System.nanoTime();
    private long nextLog = started;
    private volatile Optional<Progress> latest = Optional.empty();

    /** @param primary the member copied from */
    BaseBackupProgress(String primary) {
        this.primary = primary;
    }

    /** A line pg_basebackup printed. */
    @Override
    public void accept(String line) {
        parse("cloning from " + primary, line, Duration.ofNanos(System.nanoTime() - started))
                .ifPresent(copied -> {
                    latest = Optional.of(copied);
                    if (System.nanoTime() - nextLog >= 0) {
                        log.info("Clone from {}: {}", primary, ProgressFormat.plainLine(copied));
                        nextLog = System.nanoTime() + LOG_INTERVAL.toNanos();
                    }
                });
    }

    /** How far the copy has come as of its last report; empty before the first. */
    Optional<Progress> latest() {
        return latest;
    }

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
