package io.steward.postgres;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What {@code pg_controldata} says about a stopped data directory.
 *
 * @param clusterState e.g. "in production", "shut down", "shut down in recovery", "in archive recovery"
 * @param timeline the latest timeline the control file knows (checkpoint's or minimum recovery point's)
 * @param checkpointLocation where the latest checkpoint record starts, as a byte position (-1 when unreadable); after
 *        a clean shutdown that record is the last thing in the WAL
 */
record ControlData(String clusterState, long timeline, long checkpointLocation) {

    /** States that only a primary leaves behind; a standby's are "in archive recovery" and "shut down in recovery". */
    private static final Set<String> PRIMARY_STATES = Set.of("in production", "shut down", "in crash recovery");

    static ControlData parse(String output) {
        Map<String, String> values = new LinkedHashMap<>();
        output.lines().forEach(line -> {
            int colon = line.indexOf(':');
            if (colon > 0) {
                values.put(
                        line.substring(0, colon).strip(),
                        line.substring(colon + 1).strip());
            }
        });
        long checkpointTimeline = number(values.get("Latest checkpoint's TimeLineID"));
        long recoveryTimeline = number(values.get("Min recovery ending loc's timeline"));
        return new ControlData(
                values.getOrDefault("Database cluster state", "unknown"),
                Math.max(checkpointTimeline, recoveryTimeline),
                Lsn.parse(values.get("Latest checkpoint location")));
    }

    /** Whether the server was shut down cleanly (as a primary or as a replica). */
    boolean cleanlyShutDown() {
        return clusterState.equals("shut down") || clusterState.equals("shut down in recovery");
    }

    boolean lastRanAsPrimary() {
        return PRIMARY_STATES.contains(clusterState);
    }

    private static long number(String text) {
        try {
            return text == null ? 0 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
