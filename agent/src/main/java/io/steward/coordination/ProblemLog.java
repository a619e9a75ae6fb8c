package io.steward.coordination;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;

/**
 * Logs each distinct bad znode once, when it is first seen (not at every tick that reads it again), and once more
 * when it is gone or changed; seen again after that, it is logged again.
 */
public final class ProblemLog {
    private final Logger log;
    private Set<StateProblem> reported = Set.of();

    public ProblemLog(Logger log) {
        this.log = log;
    }

    /** {@code current}: every problem of the latest read, which replaces the previous read's. */
    public synchronized void report(Collection<StateProblem> current) {
        Set<StateProblem> now = new LinkedHashSet<>(current);
        for (StateProblem problem : now) {
            if (!reported.contains(problem)) {
                log.error("bad znode {}: {}; it holds: {}", problem.path(), problem.reason(), problem.content());
            }
        }
        for (StateProblem problem : reported) {
            if (!now.contains(problem)) {
                log.info("znode {} no longer holds what was reported ({})", problem.path(), problem.content());
            }
        }
        reported = Set.copyOf(now);
    }
}
