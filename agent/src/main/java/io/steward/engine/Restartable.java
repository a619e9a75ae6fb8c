package io.steward.engine;

import java.util.List;

/**
 * A server the agent can restart in place or make reread its configuration on an operator's request
 * ({@code steward restart}, {@code steward reload}). The HA loop carries a restart out between two ticks, holding the
 * lease of a primary throughout, so that nobody else is promoted while it is down on purpose.
 */
public non-sealed interface Restartable extends Capability {

    /**
     * Stops the running server cleanly and starts it again in the role it had, with its data and configuration;
     * returns once it is back in that role.
     *
     * @throws EngineException when it is not running, or did not come back in its role (it may then be stopped)
     */
    void restart();

    /** Has the running server reread its configuration files, without a restart. */
    void reload();

    /**
     * The settings whose new value takes effect only after a restart (a database's own list of them), sorted;
     * empty when none waits.
     *
     * @throws EngineException when the server cannot be asked
     */
    List<String> settingsPendingRestart();
}
