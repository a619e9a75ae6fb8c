package io.steward.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The agent's ZooKeeper connection over TLS ({@code zookeeper.tls}), set on its own client only (never JVM-wide).
 *
 * @param trustStore the CA certificates the servers' certificates must be signed by
 * @param trustStoreType PKCS12, JKS or PEM
 * @param trustStorePassword never logged
 * @param keyStore this node's own certificate and key, for servers that ask for one (mutual TLS)
 * @param keyStoreType PKCS12, JKS or PEM
 * @param keyStorePassword never logged
 * @param hostnameVerification whether a server's certificate must name the address it is reached at
 */
public record ZooKeeperTls(
        Path trustStore,
        StoreType trustStoreType,
        Optional<String> trustStorePassword,
        Optional<Path> keyStore,
        StoreType keyStoreType,
        Optional<String> keyStorePassword,
        boolean hostnameVerification) {

    /** The formats ZooKeeper's client reads. */
    public enum StoreType {
        PKCS12,
        JKS,
        PEM
    }

    @Override
    public String toString() {
        return "ZooKeeperTls[trustStore=" + trustStore + " (" + trustStoreType + "), keyStore="
                + keyStore.map(path -> path + " (" + keyStoreType + ")").orElse("-") + ", hostnameVerification="
                + hostnameVerification + "]";
    }
}
