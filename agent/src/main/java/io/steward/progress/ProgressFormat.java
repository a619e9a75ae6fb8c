package io.steward.progress;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/** How progress reads: a bar, amounts in their unit, and the time taken. Pure text, no I/O. */
public final class ProgressFormat {
    /** Characters between the brackets of a bar. */
    public static final int BAR_WIDTH = 20;

    private static final String[] BYTE_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private ProgressFormat() {}

    /**
     * The one line a terminal redraws: {@code what: detail  [#######.......]  47%  1.2 GiB / 2.6 GiB  00:12}; without
     * a known total, the amount done only (when there is one) and the time.
     */
    public static String terminalLine(Progress progress) {
        StringBuilder line = new StringBuilder(progress.sentence());
        progress.percent()
                .ifPresent(percent -> line.append("  ")
                        .append(bar(percent, BAR_WIDTH))
                        .append("  ")
                        .append(String.format(Locale.ROOT, "%3d%%", percent)));
        amount(progress).ifPresent(amount -> line.append("  ").append(amount));
        return line.append("  ").append(elapsed(progress.elapsed())).toString();
    }

    /** A line of a log: {@code [00:12] what: detail (1.2 GiB / 2.6 GiB, 47%)}. */
    public static String plainLine(Progress progress) {
        StringBuilder line = new StringBuilder("[")
                .append(elapsed(progress.elapsed()))
                .append("] ")
                .append(progress.sentence());
        amount(progress).ifPresent(amount -> {
            line.append(" (").append(amount);
            progress.percent()
                    .ifPresent(percent -> line.append(", ").append(percent).append('%'));
            line.append(')');
        });
        return line.toString();
    }

    /** {@code [####......]}: {@code width} characters between the brackets, filled in proportion to {@code percent}. */
    public static String bar(int percent, int width) {
        int filled = Math.min(width, Math.max(0, percent) * width / 100);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /** {@code 1.2 GiB / 2.6 GiB}, {@code 1.2 GiB} without a total, {@code 3 / 7 segments}; nothing for a sentence. */
    static Optional<String> amount(Progress progress) {
        return switch (progress.unit()) {
            case NONE -> Optional.empty();
            case BYTES ->
                Optional.of(bytes(progress.done())
                        + (progress.total().isPresent()
                                ? " / " + bytes(progress.total().getAsLong())
                                : ""));
            case SEGMENTS ->
                Optional.of(progress.done()
                        + (progress.total().isPresent()
                                ? " / " + progress.total().getAsLong()
                                : "")
                        + " segments");
        };
    }

    /** Binary units with one decimal above bytes: {@code 512 B}, {@code 1.5 KiB}, {@code 2.6 GiB}. */
    public static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, BYTE_UNITS[unit]);
    }

    /** {@code 00:12}, {@code 59:59}, then {@code 1:00:00}: minutes and seconds, hours once there are any. */
    public static String elapsed(Duration elapsed) {
        long seconds = Math.max(0, elapsed.toSeconds());
        long hours = seconds / 3600;
        long minutes = seconds % 3600 / 60;
        long rest = seconds % 60;
        return hours > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", hours, minutes, rest)
                : String.format(Locale.ROOT, "%02d:%02d", minutes, rest);
    }
}
