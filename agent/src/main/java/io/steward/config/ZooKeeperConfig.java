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
 * @param acl who may change the cluster's znodes
 * @param digest credentials the session authenticates with: required with {@link Acl#DIGEST}; with {@link Acl#OPEN}
 *        they keep access to znodes another member has restricted (the way from open to digest, one node at a time)
 * @param tls how to reach the ensemble over TLS, when it must be
 */
public record ZooKeeperConfig(
        String connect,
        Duration sessionTimeout,
        Duration connectionTimeout,
        Duration serverTick,
        Acl acl,
        Optional<Digest> digest,
        Optional<ZooKeeperTls> tls) {

    /** Who may change the cluster's znodes. */
    public enum Acl {
        /** Only the digest identity that created them: ZooKeeper's {@code auth} ACL with all rights. */
        DIGEST,
        /** Anyone who can reach ZooKeeper ({@code world:anyone} with all rights): only for closed networks and tests. */
        OPEN
    }

    /**
     * Digest credentials.
     *
     * @param password never logged
     */
    public record Digest(String user, String password) {
        @Override
        public String toString() {
            return "Digest[user=" + user + ", password=***]";
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperConfig[connect=" + connect + ", sessionTimeout=" + sessionTimeout
                + ", connectionTimeout=" + connectionTimeout + ", serverTick=" + serverTick + ", acl=" + acl
                + ", digestUser=" + digest.map(Digest::user).orElse("-") + ", tls="
                + tls.map(Object::toString).orElse("off")
                + "]";
    }
}
