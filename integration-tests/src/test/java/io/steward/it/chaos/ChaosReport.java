package io.steward.it.chaos;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The chaos run's findings per kind of fault, as a Markdown table. */
final class ChaosReport {
    private ChaosReport() {}

    static String markdown(ChaosRun.Result result) {
        Map<Fault, List<ChaosRun.Outcome>> byFault = new EnumMap<>(Fault.class);
        result.outcomes()
                .forEach(o -> byFault.computeIfAbsent(o.fault(), f -> new ArrayList<>())
                        .add(o));
        Map<Fault, Integer> lost = new EnumMap<>(Fault.class);
        result.lost()
                .forEach(ack -> result.faultAt(ack.ackNanos()).ifPresent(o -> lost.merge(o.fault(), 1, Integer::sum)));
        Map<Fault, Integer> overlaps = new EnumMap<>(Fault.class);
        result.overlaps()
                .forEach(overlap -> result.faultAt(overlap.second().firstNanos())
                        .ifPresent(o -> overlaps.merge(o.fault(), 1, Integer::sum)));
        StringBuilder text = new StringBuilder();
        text.append(String.format(
                Locale.ROOT,
                "%s: %d faults in %d s, %d writes acknowledged, %d lost, %d overlaps%n%n",
                result.database(),
                result.outcomes().size(),
                result.took().toSeconds(),
                result.acknowledged(),
                result.lost().size(),
                result.overlaps().size()));
        text.append(String.format(
                Locale.ROOT,
                "Writes back after: from the fault to the end of the longest stretch in "
                        + "which no node acknowledged a write, until the cluster was whole again; no outage: no such stretch "
                        + "of %d ms or more.%n%n",
                ChaosRun.OUTAGE.toMillis()));
        text.append("| fault | count | writes back after: min | median | max | no outage | acknowledged writes lost "
                + "| overlapping stints |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Map.Entry<Fault, List<ChaosRun.Outcome>> entry : byFault.entrySet()) {
            List<Long> times = entry.getValue().stream()
                    .flatMap(o -> o.writesBackAfterMillis().stream())
                    .sorted()
                    .toList();
            long unaffected = entry.getValue().stream()
                    .filter(o -> o.writesBackAfterMillis().isEmpty())
                    .count();
            text.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %s | %s | %s | %d | %d | %d |%n",
                    entry.getKey().description(),
                    entry.getValue().size(),
                    seconds(times, 0.0),
                    seconds(times, 0.5),
                    seconds(times, 1.0),
                    unaffected,
                    lost.getOrDefault(entry.getKey(), 0),
                    overlaps.getOrDefault(entry.getKey(), 0)));
        }
        result.overlaps().forEach(overlap -> text.append("\noverlap: ").append(overlap));
        return text.toString();
    }

    private static String seconds(List<Long> sortedMillis, double quantile) {
        if (sortedMillis.isEmpty()) {
            return "-";
        }
        int index = (int) Math.round(quantile * (sortedMillis.size() - 1));
        return String.format(Locale.ROOT, "%.2f s", sortedMillis.get(index) / 1000.0);
    }
}
