package io.steward.config;

import java.time.Duration;
import java.util.Optional;

/**
 * How to reach the coordination ensemble.
 *
 * @param connect the ensemble, {@code host:port[,host:port...]}
 * @param sessionTimeout how long the ensemble keeps this node's session (and so its lease) without hearing from it
 * @param connectionTimeout how long to wait for a connection at start
 * @param serverTick the ensemble's {@code tickTime}: how long the lease outlives its last proof depends on it
 *        ({@link io.steward.coordination.SessionLiveness}); stating more than the servers use only shortens the lease,
 *        stating less is unsafe
 * @param digestUser with {@code digestPassword}: digest credentials; the agent's znodes are then readable and
 *        writable only with them
 * @param digestPassword the password; never logged
 */
public record ZooKeeperConfig(String connect, Duration sessionTimeout, Duration connectionTimeout, Duration serverTick,
                              Optional<String> digestUser, Optional<String> digestPassword) {
    @Override
    public String toString() {
        return "ZooKeeperConfig[connect=" + connect + ", sessionTimeout=" + sessionTimeout
                + ", connectionTimeout=" + connectionTimeout + ", serverTick=" + serverTick
                + ", digestUser=" + digestUser.orElse("-") + "]";
    }
}
