package io.steward.coordination;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The cluster's past changes of primary, under {@code history/}: the latest {@value #KEPT}, oldest first. */
final class FailoverHistory {
    static final String PATH = "/history";
    private static final Logger log = LoggerFactory.getLogger(FailoverHistory.class);
    private static final int KEPT = 100;

    private final CuratorFramework client;
    /** Bad entries, logged once each: the history is read on request, not by the HA loop. */
    private final ProblemLog problems = new ProblemLog(log);

    FailoverHistory(CuratorFramework client) {
        this.client = client;
    }

    void append(HistoryEntry entry) throws Exception {
        client.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL).forPath(PATH + "/h-", json(entry));
        List<String> names = sortedNames();
        for (int i = 0; i < names.size() - KEPT; i++) {
            client.delete().forPath(PATH + "/" + names.get(i));
        }
    }

    /** Every entry that can be read; the others are left out and logged. */
    List<HistoryEntry> entries() throws Exception {
        List<HistoryEntry> entries = new ArrayList<>();
        List<StateProblem> bad = new ArrayList<>();
        for (String name : sortedNames()) {
            String path = PATH + "/" + name;
            try {
                Parsed<HistoryEntry> entry =
                        ZnodeParser.historyEntry(path, client.getData().forPath(path));
                entry.value().ifPresent(entries::add);
                entry.problem().ifPresent(bad::add);
            } catch (KeeperException.NoNodeException e) {
                // trimmed meanwhile
            }
        }
        problems.report(bad);
        return entries;
    }

    /** The highest epoch recorded, 0 when none: a bound for an epoch that must be derived. */
    long highestEpoch() throws Exception {
        return entries().stream().mapToLong(HistoryEntry::epoch).max().orElse(0);
    }

    private List<String> sortedNames() throws Exception {
        List<String> names = new ArrayList<>(client.getChildren().forPath(PATH));
        names.sort(Comparator.naturalOrder());
        return names;
    }

    private static byte[] json(HistoryEntry entry) throws JsonProcessingException {
        return Json.mapper().writeValueAsBytes(entry);
    }
}
