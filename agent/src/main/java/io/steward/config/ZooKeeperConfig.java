package io.steward.config;

import java.time.Duration;
import java.util.Optional;

/**
 * How to reach the coordination ensemble.
 *
 * @param connect the ensemble, {@code host:port[,host:port...]}
 * @param sessionTimeout how long the ensemble keeps this node's session (and so its lease) without hearing from it
 * @param connectionTimeout how long to wait for a connection at start
 * @param digestUser with {@code digestPassword}: digest credentials; the agent's znodes are then readable and
 *        writable only with them
 * @param digestPassword the password; never logged
 */
public record ZooKeeperConfig(String connect, Duration sessionTimeout, Duration connectionTimeout,
                              Optional<String> digestUser, Optional<String> digestPassword) {
    @Override
    public String toString() {
        return "ZooKeeperConfig[connect=" + connect + ", sessionTimeout=" + sessionTimeout
                + ", connectionTimeout=" + connectionTimeout + ", digestUser=" + digestUser.orElse("-") + "]";
    }
}
