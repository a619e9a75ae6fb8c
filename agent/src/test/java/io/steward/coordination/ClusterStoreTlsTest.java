package io.steward.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.steward.config.ZooKeeperConfig;
import io.steward.config.ZooKeeperTls;
import io.steward.testing.FreePorts;
import io.steward.testing.TestKeyStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's store against a real ZooKeeper server that speaks TLS only (no plain client port) and asks every client
 * for its certificate: the stores are made with keytool, self-signed, each trusting the other's certificate.
 */
@Timeout(120)
@Tag("servers")
class ClusterStoreTlsTest {
    @TempDir
    static Path folder;

    static TestingServer server;
    static TestKeyStores stores;
    static Path clientKeys;
    static Path clientTrust;
    static int securePort;
    /** The server's zoo.cfg settings it does not know become JVM-wide system properties: removed after the tests. */
    static Set<String> propertiesBefore;

    @BeforeAll
    static void startTlsOnlyServer() throws Exception {
        propertiesBefore = System.getProperties().stringPropertyNames();
        stores = new TestKeyStores(folder);
        Path serverKeys = stores.keyStore("server");
        clientKeys = stores.keyStore("client");
        clientTrust = stores.trustStore("client-trust", serverKeys);
        Path serverTrust = stores.trustStore("server-trust", clientKeys);
        securePort = FreePorts.next();
        Map<String, Object> properties = Map.of(
                "clientPort",
                "0", // no plain port at all
                "secureClientPort",
                String.valueOf(securePort),
                "secureClientPortAddress",
                "127.0.0.1",
                "serverCnxnFactory",
                "org.apache.zookeeper.server.NettyServerCnxnFactory",
                "ssl.keyStore.location",
                serverKeys.toString(),
                "ssl.keyStore.password",
                TestKeyStores.PASSWORD,
                "ssl.trustStore.location",
                serverTrust.toString(),
                "ssl.trustStore.password",
                TestKeyStores.PASSWORD);
        server = new TestingServer(
                new InstanceSpec(
                        Files.createDirectories(folder.resolve("zk")).toFile(),
                        FreePorts.next(),
                        FreePorts.next(),
                        FreePorts.next(),
                        true,
                        1,
                        500,
                        100,
                        properties,
                        "127.0.0.1"),
                true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        try {
            server.close();
        } finally {
            System.getProperties().stringPropertyNames().stream()
                    .filter(name -> !propertiesBefore.contains(name))
                    .forEach(System::clearProperty);
        }
    }

    private static ZooKeeperConfig overTls(Path trustStore) {
        ZooKeeperTls tls = new ZooKeeperTls(
                trustStore,
                ZooKeeperTls.StoreType.PKCS12,
                Optional.of(TestKeyStores.PASSWORD),
                Optional.of(clientKeys),
                ZooKeeperTls.StoreType.PKCS12,
                Optional.of(TestKeyStores.PASSWORD),
                true);
        return new ZooKeeperConfig(
                "127.0.0.1:" + securePort,
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                Duration.ofMillis(500),
                ZooKeeperConfig.Acl.DIGEST,
                Optional.of(ClusterStoreTest.CREDENTIALS),
                Optional.of(tls));
    }

    @Test
    void anAgentStoreWorksOverTlsWithTheServersOnlyPort() throws Exception {
        String cluster = "tls-" + UUID.randomUUID();
        try (ZooKeeperClusterStore store =
                ZooKeeperClusterStore.connect(overTls(clientTrust), cluster, ClusterStoreTest.QUIET)) {
            store.publish(ClusterStoreTest.member("a", 10));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> store.read().member("a").isPresent());
            assertThat(store.tryAcquireLease("a", 0, false)).isPresent();
            assertThat(store.proveLease(Duration.ofSeconds(5)).value())
                    .map(Lease::holder)
                    .contains("a");
        }
        // what the agent's TLS is not: a plain client gets no session from that port
        try (CuratorFramework plain =
                CuratorFrameworkFactory.newClient("127.0.0.1:" + securePort, 5000, 2000, new RetryOneTime(100))) {
            plain.start();
            assertThat(plain.blockUntilConnected(3, TimeUnit.SECONDS)).isFalse();
        }
    }

    @Test
    void aServerTheTrustStoreDoesNotVouchForIsRefused() throws Exception {
        Path strangers = stores.trustStore("stranger-trust", stores.keyStore("stranger"));
        assertThatThrownBy(() -> ZooKeeperClusterStore.connect(
                        overTls(strangers), "tls-refused-" + UUID.randomUUID(), ClusterStoreTest.QUIET))
                .isInstanceOf(CoordinationException.class)
                .hasMessageContaining("could not connect to ZooKeeper at 127.0.0.1:" + securePort)
                .hasMessageContaining("over TLS (is each server's certificate signed by a CA in " + strangers);
    }
}
