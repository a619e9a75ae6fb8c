package io.steward.cli;

import io.steward.admin.AdminJson;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;

/** Renders {@code GET /history} as {@code steward history} prints it: one row per change of primary, oldest first. */
final class HistoryTable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'");

    private HistoryTable() {}

    static String render(List<AdminJson.History> history) {
        if (history.isEmpty()) {
            return "No change of primary recorded yet.\n";
        }
        TextTable table = new TextTable("EPOCH", "TIME", "FROM", "TO", "REASON");
        history.stream()
                .sorted(Comparator.comparingLong(AdminJson.History::epoch)
                        .thenComparingLong(AdminJson.History::atMillis))
                .forEach(entry -> table.row(
                        Long.toString(entry.epoch()),
                        TIME.format(Instant.ofEpochMilli(entry.atMillis()).atZone(ZoneOffset.UTC)),
                        entry.previous() == null ? "-" : entry.previous(),
                        entry.primary(),
                        entry.reason()));
        return table.render();
    }
}
