package io.steward.coordination;

import io.steward.config.ZooKeeperConfig;
import io.steward.config.ZooKeeperTls;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.ClientCnxnSocketNetty;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the agent reaches ZooKeeper and who else may change its znodes: the client (digest credentials, TLS on this
 * client alone), the ACL of every znode it creates, and, at start, the ACLs of the znodes already there.
 */
final class ZooKeeperAccess {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperAccess.class);

    private ZooKeeperAccess() {}

    /** A client of the cluster's znodes ({@code /steward/<cluster>}), not started. */
    static CuratorFramework client(ZooKeeperConfig config, String cluster) {
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(config.connect())
                .namespace("steward/" + cluster)
                .sessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) config.connectionTimeout().toMillis())
                // The HA loop retries on its own every tick; a long retry inside one call would only delay it.
                .retryPolicy(new RetryNTimes(1, 100))
                // Keep to the configured servers: the ensemble's own view of its members may name addresses this
                // node must not use (another network, a proxy in between).
                .ensembleTracker(false);
        config.digest()
                .ifPresent(digest -> builder.authorization(
                        "digest", (digest.user() + ":" + digest.password()).getBytes(StandardCharsets.UTF_8)));
        if (config.acl() == ZooKeeperConfig.Acl.DIGEST) {
            builder.aclProvider(new CreatorOnlyAcl());
        } else {
            log.warn("zookeeper.acl is open: the cluster's znodes are world:anyone with all rights, so anyone who can "
                    + "reach ZooKeeper can rewrite the lease, the epoch and the members; set digest credentials");
        }
        config.tls().ifPresent(tls -> builder.zkClientConfig(tlsClientConfig(tls)));
        return builder.build();
    }

    /**
     * TLS for this client only: ZooKeeper reads the same settings from JVM-wide system properties by default, which
     * would also apply to every other client in the process.
     */
    static ZKClientConfig tlsClientConfig(ZooKeeperTls tls) {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, ClientCnxnSocketNetty.class.getName());
        try (ClientX509Util names = new ClientX509Util()) {
            config.setProperty(
                    names.getSslTruststoreLocationProperty(), tls.trustStore().toString());
            config.setProperty(
                    names.getSslTruststoreTypeProperty(), tls.trustStoreType().name());
            tls.trustStorePassword()
                    .ifPresent(password -> config.setProperty(names.getSslTruststorePasswdProperty(), password));
            tls.keyStore().ifPresent(keyStore -> {
                config.setProperty(names.getSslKeystoreLocationProperty(), keyStore.toString());
                config.setProperty(
                        names.getSslKeystoreTypeProperty(), tls.keyStoreType().name());
            });
            tls.keyStorePassword()
                    .ifPresent(password -> config.setProperty(names.getSslKeystorePasswdProperty(), password));
            config.setProperty(
                    names.getSslHostnameVerificationEnabledProperty(), String.valueOf(tls.hostnameVerification()));
        }
        return config;
    }

    /**
     * With digest ACLs: every znode of the cluster that anyone may change (created while the cluster ran with
     * {@code acl: open}) is restricted to this agent's digest identity, which every member configured for digest shares.
     * Repaired rather than refused, so that a cluster moves from open to digest one node at a time: members still
     * on {@code acl: open} keep access as long as they already authenticate with the same credentials. One that
     * cannot be restricted (its ACL does not let this identity change it) stops the start.
     */
    static void restrictWorldWritable(CuratorFramework client) throws Exception {
        List<String> restricted = new ArrayList<>();
        List<String> paths = new ArrayList<>(List.of("/"));
        while (!paths.isEmpty()) {
            String path = paths.remove(paths.size() - 1);
            try {
                List<ACL> acl = client.getACL().forPath(path);
                if (acl.stream().anyMatch(ZooKeeperAccess::anyoneMayChange)) {
                    client.setACL().withACL(ZooDefs.Ids.CREATOR_ALL_ACL).forPath(path);
                    restricted.add(path);
                }
                for (String child : client.getChildren().forPath(path)) {
                    paths.add(path.equals("/") ? "/" + child : path + "/" + child);
                }
            } catch (KeeperException.NoNodeException e) {
                // gone meanwhile (an ephemeral member, a released lease)
            } catch (KeeperException.NoAuthException e) {
                throw new CoordinationException(
                        "znode " + path + " of the cluster may be changed by anyone, and this "
                                + "agent's digest identity may not restrict it; set its ACL by hand (setAcl in zkCli.sh) or "
                                + "remove it",
                        e);
            }
        }
        if (!restricted.isEmpty()) {
            log.warn(
                    "{} znodes of the cluster could be changed by anyone (created with zookeeper.acl: open); now only "
                            + "by this cluster's digest user: {}",
                    restricted.size(),
                    restricted);
        }
    }

    private static boolean anyoneMayChange(ACL acl) {
        return acl.getId().equals(ZooDefs.Ids.ANYONE_ID_UNSAFE) && (acl.getPerms() & ~ZooDefs.Perms.READ) != 0;
    }

    /** Znodes readable and writable only by the identity that created them (digest auth). */
    private static final class CreatorOnlyAcl implements ACLProvider {
        @Override
        public List<ACL> getDefaultAcl() {
            return ZooDefs.Ids.CREATOR_ALL_ACL;
        }

        @Override
        public List<ACL> getAclForPath(String path) {
            return ZooDefs.Ids.CREATOR_ALL_ACL;
        }
    }
}
