package io.steward.ha;

import io.steward.coordination.ClusterView;
import io.steward.engine.ClusterMember;
import io.steward.engine.EngineStatus;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * The decisions of the lead path for a database that elects its own primary (a replica set, a search cluster), pure:
 * Steward takes no lease for it, so the elected primary proves itself by its term, recorded in the cluster's state,
 * and keeps the database's member list in step with the members the cluster's state knows.
 */
final class SelfElectedRules {

    private SelfElectedRules() {}

    /**
     * The term in which the database elected this node, if it is its primary now and no later term is recorded: a
     * primary cut off from the others still answers with its old term until it notices its successor.
     */
    static OptionalLong provenTerm(OptionalLong elected, OptionalLong latestRecorded) {
        if (elected.isEmpty()) {
            return elected;
        }
        return latestRecorded.isEmpty() || latestRecorded.getAsLong() <= elected.getAsLong()
                ? elected
                : OptionalLong.empty();
    }

    /** Whether the elected primary records its term: a database without terms (reporting 0) has none. */
    static boolean recordsTerm(EngineStatus probed) {
        return probed.timeline() > 0;
    }

    /**
     * The members the elected primary makes sure the database knows: every member the cluster's state knows, by name; a
     * member that may not be promoted with priority 0.
     */
    static List<ClusterMember> members(ClusterView view) {
        return view.members().values().stream()
                .map(m -> new ClusterMember(
                        m.name(), m.database(), m.healthy(), m.promotable() ? m.priority() : 0, m.tags()))
                .sorted(Comparator.comparing(ClusterMember::name))
                .toList();
    }
}
