package io.steward.ha;

import io.steward.config.HaConfig;
import io.steward.settings.ConfigProblems;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's policy with the cluster-wide settings laid over its own, as of the last tick that read them. Invalid
 * settings are reported once and ignored: the node goes on with its own.
 */
final class EffectivePolicy {
    private static final Logger log = LoggerFactory.getLogger(EffectivePolicy.class);

    /** This node's own policy, from its configuration. */
    private final Policy own;

    private Map<String, String> applied = Map.of();
    private volatile Policy current;

    EffectivePolicy(Policy own) {
        this.own = own;
        this.current = own;
    }

    Policy current() {
        return current;
    }

    /** This node's own policy, as its configuration gives it. */
    Policy own() {
        return own;
    }

    /** Lays {@code settings}, as just read from the cluster's state, over this node's own. */
    void apply(Map<String, String> settings) {
        if (settings.equals(applied)) {
            return;
        }
        applied = settings;
        ConfigProblems problems = new ConfigProblems();
        HaConfig effective = own.ha().overriddenBy(settings, "cluster settings", problems);
        if (!problems.isEmpty()) {
            log.error("ignoring the cluster-wide settings {}: {}", settings, problems.list());
            current = own;
            return;
        }
        current = own.withHa(effective);
        log.info("cluster-wide settings {} in force: {}", settings, effective);
    }
}
