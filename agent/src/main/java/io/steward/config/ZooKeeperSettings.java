package io.steward.config;

import io.steward.settings.ProtectedFiles;
import io.steward.settings.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Optional;

/** Binds the {@code zookeeper:} section: where the ensemble is, how long sessions last, credentials, ACL, TLS. */
final class ZooKeeperSettings {
    private static final String CONNECT_ALLOWED = "the ensemble as host:port[,host:port...], each port from 1 to 65535";

    private ZooKeeperSettings() {}

    static ZooKeeperConfig bind(Settings zk) {
        String connect = zk.requiredString("connect", CONNECT_ALLOWED);
        if (!connect.isEmpty()) {
            for (String member : connect.split(",", -1)) {
                if (!ConfigBinder.isHostAndPort(member.trim())) {
                    zk.problems()
                            .add(zk.keyPath("connect"), connect, CONNECT_ALLOWED + " ('" + member.trim() + "' is not)");
                }
            }
        }
        Duration session =
                zk.duration("session_timeout", Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(120));
        Duration connection = zk.duration(
                "connection_timeout", Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(120));
        Duration tick = zk.duration("tick_time", Duration.ofSeconds(2), Duration.ofMillis(10), Duration.ofSeconds(60));
        ZooKeeperConfig.Acl acl = zk.choice("acl", ZooKeeperConfig.Acl.class, ZooKeeperConfig.Acl.DIGEST);
        Optional<ZooKeeperConfig.Digest> digest = digest(zk, acl);
        Optional<ZooKeeperTls> tls = zk.has("tls") ? tls(zk.section("tls")) : Optional.empty();
        zk.rejectUnknownKeys();
        return new ZooKeeperConfig(connect, session, connection, tick, acl, digest, tls);
    }

    private static Optional<ZooKeeperConfig.Digest> digest(Settings zk, ZooKeeperConfig.Acl acl) {
        Optional<String> user = zk.optionalString("digest_user");
        if (user.isPresent() && user.get().contains(":")) {
            zk.problems().add(zk.keyPath("digest_user"), user.get(), "a user name without ':'");
        }
        boolean passwordGiven = zk.has("digest_password") || zk.has("digest_password_file");
        Optional<String> password = zk.secret("digest_password");
        if (user.isEmpty() && acl == ZooKeeperConfig.Acl.DIGEST) {
            zk.problems()
                    .add(
                            zk.keyPath("digest_user"),
                            null,
                            "required (with digest_password or "
                                    + "digest_password_file) unless zookeeper.acl is open: without credentials every znode is "
                                    + "world:anyone with all rights, and anyone who can reach ZooKeeper can rewrite the lease");
        } else if (user.isPresent() && !passwordGiven) {
            zk.problems()
                    .add(
                            zk.keyPath("digest_password"),
                            null,
                            "required with digest_user (or digest_password_file); " + "the two go together");
        } else if (user.isEmpty() && passwordGiven) {
            zk.problems().add(zk.keyPath("digest_user"), null, "required with digest_password; the two go together");
        }
        return user.flatMap(name -> password.map(secret -> new ZooKeeperConfig.Digest(name, secret)));
    }

    private static Optional<ZooKeeperTls> tls(Settings tls) {
        if (!tls.has("trust_store")) {
            tls.problems()
                    .add(
                            tls.keyPath("trust_store"),
                            null,
                            "required with zookeeper.tls: the CA certificates "
                                    + "that sign the servers' certificates, e.g. /etc/steward/zookeeper-truststore.p12");
        }
        Optional<Path> trustStore = ProtectedFiles.checked(tls, "trust_store", false);
        ZooKeeperTls.StoreType trustType =
                tls.choice("trust_store_type", ZooKeeperTls.StoreType.class, ZooKeeperTls.StoreType.PKCS12);
        Optional<String> trustPassword = tls.secret("trust_store_password");
        Optional<Path> keyStore = ProtectedFiles.checked(tls, "key_store", true);
        ZooKeeperTls.StoreType keyType =
                tls.choice("key_store_type", ZooKeeperTls.StoreType.class, ZooKeeperTls.StoreType.PKCS12);
        Optional<String> keyPassword = tls.secret("key_store_password");
        if (tls.has("key_store")
                && keyType != ZooKeeperTls.StoreType.PEM
                && !tls.has("key_store_password")
                && !tls.has("key_store_password_file")) {
            tls.problems()
                    .add(
                            tls.keyPath("key_store_password"),
                            null,
                            "required with a " + keyType + " key_store (or key_store_password_file)");
        }
        if (!tls.has("key_store") && (tls.has("key_store_password") || tls.has("key_store_password_file"))) {
            tls.problems()
                    .add(
                            tls.keyPath("key_store"),
                            null,
                            "required with key_store_password: this node's "
                                    + "certificate and key, for servers that ask for one");
        }
        boolean hostnameVerification = tls.bool("hostname_verification", true);
        trustStore.ifPresent(path -> loadable(tls, "trust_store", path, trustType, trustPassword));
        keyStore.ifPresent(path -> loadable(tls, "key_store", path, keyType, keyPassword));
        tls.rejectUnknownKeys();
        return trustStore.map(path ->
                new ZooKeeperTls(path, trustType, trustPassword, keyStore, keyType, keyPassword, hostnameVerification));
    }

    /**
     * Opens a PKCS12 or JKS store with its password now, so that a wrong type, a wrong password or a damaged file is
     * a configuration error naming the key rather than a connection that fails at every attempt. ZooKeeper reads PEM
     * files its own way; those are only checked to be protected files.
     */
    private static void loadable(
            Settings tls, String key, Path path, ZooKeeperTls.StoreType type, Optional<String> password) {
        if (type == ZooKeeperTls.StoreType.PEM) {
            return;
        }
        try (InputStream in = Files.newInputStream(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            KeyStore.getInstance(type.name())
                    .load(in, password.map(String::toCharArray).orElse(null));
        } catch (IOException | GeneralSecurityException e) {
            tls.problems()
                    .add(
                            tls.keyPath(key),
                            path,
                            "a " + type.name() + " store that opens with its password (" + key + "_type, " + key
                                    + "_password); this one: " + e.getMessage());
        }
    }
}
