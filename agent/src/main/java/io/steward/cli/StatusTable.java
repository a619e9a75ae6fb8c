package io.steward.cli;

import io.steward.admin.AdminJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Renders the cluster as {@code steward status} prints it: a header line, one row per member (the lease holder's
 * role marked {@code (leader)}), then each znode whose content the agents do not use as it is.
 */
final class StatusTable {
    private static final String[] COLUMNS = {"MEMBER", "HOST", "ROLE", "STATE", "LAG", "LAG TIME", "TIMELINE", "TAGS"};
    private static final String[] BINARY_UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private StatusTable() {}

    static String render(AdminJson.Cluster cluster) {
        StringBuilder text = new StringBuilder();
        text.append("Cluster epoch ")
                .append(cluster.epoch())
                .append(", maintenance ")
                .append(cluster.maintenance() ? "ON" : "off")
                .append(", leader ")
                .append(cluster.leader() == null ? "none" : cluster.leader())
                .append('\n');
        if (cluster.transfer() != null) {
            AdminJson.Transfer transfer = cluster.transfer();
            text.append("Pending ")
                    .append(transfer.kind().name().toLowerCase(Locale.ROOT))
                    .append(" from ")
                    .append(transfer.from())
                    .append(" to ")
                    .append(transfer.to() == null ? "the best eligible replica" : transfer.to())
                    .append('\n');
        }
        if (cluster.failsafe() != null && cluster.failsafe().epoch() == cluster.epoch()) {
            AdminJson.Failsafe failsafe = cluster.failsafe();
            text.append("Failsafe mode: should ZooKeeper become unreachable, ")
                    .append(failsafe.leader())
                    .append(" goes on taking writes only while ")
                    .append(failsafe.members().isEmpty() ? "(no other member)" : String.join(", ", failsafe.members()))
                    .append(failsafe.members().size() == 1 ? " confirms" : " all confirm")
                    .append('\n');
        }
        TextTable table = new TextTable(COLUMNS);
        for (AdminJson.Member member : cluster.members()) {
            table.row(
                    member.name(),
                    member.database() == null ? "-" : member.database(),
                    member.role().name().toLowerCase(Locale.ROOT) + (member.leader() ? " (leader)" : ""),
                    state(member),
                    member.lagBytes() < 0 ? "unknown" : humanBytes(member.lagBytes()),
                    member.replayDelayMillis() == null ? "-" : humanMillis(member.replayDelayMillis()),
                    Long.toString(member.timeline()),
                    tags(member));
        }
        text.append(table.render());
        // an agent older than the list sends none
        for (AdminJson.BadZnode bad :
                cluster.badZnodes() == null ? List.<AdminJson.BadZnode>of() : cluster.badZnodes()) {
            text.append("Bad znode ")
                    .append(bad.path())
                    .append(": ")
                    .append(bad.reason())
                    .append("; it holds: ")
                    .append(bad.content())
                    .append('\n');
        }
        return text.toString();
    }

    /** Healthy or why not, and whether a setting waits for a restart. */
    private static String state(AdminJson.Member member) {
        String health =
                member.healthy() ? "healthy" : "unhealthy" + (member.problem() == null ? "" : ": " + member.problem());
        return member.pendingRestart() ? health + ", pending restart" : health;
    }

    /** What decides its promotion, then what its engine says of its membership. */
    private static String tags(AdminJson.Member member) {
        List<String> tags = new ArrayList<>();
        if (member.tags().noFailover()) {
            tags.add("nofailover");
        }
        tags.add("priority=" + member.tags().priority());
        // an agent older than engine tags in /cluster sends none
        if (member.engineTags() != null) {
            new TreeMap<>(member.engineTags()).forEach((key, value) -> tags.add(key + "=" + value));
        }
        return String.join(",", tags);
    }

    /** A delay as a person reads it: 0 s, 250 ms, 1.5 s, 2 min 5 s, 3 h 20 min, 2 d 4 h. */
    static String humanMillis(long millis) {
        if (millis == 0) {
            return "0 s";
        }
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            String seconds = String.format(Locale.ROOT, "%.1f", millis / 1000.0);
            return (seconds.endsWith(".0") ? seconds.substring(0, seconds.length() - 2) : seconds) + " s";
        }
        long seconds = millis / 1000;
        if (seconds < 3600) {
            return pair(seconds / 60, "min", seconds % 60, "s");
        }
        if (seconds < 86_400) {
            return pair(seconds / 3600, "h", seconds % 3600 / 60, "min");
        }
        return pair(seconds / 86_400, "d", seconds % 86_400 / 3600, "h");
    }

    private static String pair(long big, String bigUnit, long small, String smallUnit) {
        return small == 0 ? big + " " + bigUnit : big + " " + bigUnit + " " + small + " " + smallUnit;
    }

    /** Powers of 1024 with one decimal where it matters: 0 B, 512 B, 1 KiB, 1.5 MiB. */
    static String humanBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        String number = String.format(Locale.ROOT, "%.1f", value);
        return (number.endsWith(".0") ? number.substring(0, number.length() - 2) : number) + " " + BINARY_UNITS[unit];
    }
}
