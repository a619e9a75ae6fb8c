package io.steward.cli;

import io.steward.admin.AdminJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders the cluster as {@code steward status} prints it: a header line, one row per member, then each znode whose
 * content the agents do not use as it is.
 */
final class StatusTable {
    private static final String[] COLUMNS = {"MEMBER", "ROLE", "STATE", "LAG", "TIMELINE"};
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
        List<String[]> rows = new ArrayList<>();
        rows.add(COLUMNS);
        for (AdminJson.Member member : cluster.members()) {
            rows.add(new String[] {
                member.name(),
                member.role().name().toLowerCase(Locale.ROOT) + (member.leader() ? " (leader)" : ""),
                member.healthy() ? "healthy" : "unhealthy" + (member.problem() == null ? "" : ": " + member.problem()),
                member.lagBytes() < 0 ? "unknown" : humanBytes(member.lagBytes()),
                Long.toString(member.timeline())
            });
        }
        text.append(TextTable.render(rows));
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
