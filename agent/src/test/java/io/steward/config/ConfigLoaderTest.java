package io.steward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.steward.settings.ConfigException;
import io.steward.settings.ConfigProblem;
import io.steward.testing.TestKeyStores;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    /** A complete, valid file; IMDS off so that tests never wait for a metadata service that is not there. */
    static final String VALID_YAML = """
            cluster: db.example.net
            engine: testengine
            node:
              name: db01
              host: 10.0.0.5
            zookeeper:
              connect: zk1:2181,zk2:2181
              digest_user: steward
              digest_password: zk-secret
            aws:
              imds: off
            testengine:
              data_dir: /var/lib/test
            """;

    @TempDir
    Path dir;

    @Test
    void aValidFileGetsTheDefaultsForEverythingElse() throws IOException {
        int builtBefore = TestEnginePlugin.BUILT.get();

        StewardConfig config = ConfigLoader.load(sources(file(VALID_YAML), Map.of(), Map.of()));

        assertThat(config.cluster()).isEqualTo("db.example.net");
        assertThat(config.node())
                .isEqualTo(new NodeConfig(
                        "db01",
                        "10.0.0.5",
                        100,
                        false,
                        true,
                        Path.of("/var/lib/steward"),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty()));
        assertThat(config.zookeeper().connect()).isEqualTo("zk1:2181,zk2:2181");
        assertThat(config.zookeeper().sessionTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.zookeeper().connectionTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.ha())
                .isEqualTo(new HaConfig(Duration.ofSeconds(1), 1_048_576, Duration.ofSeconds(10), false, false, false));
        assertThat(config.admin()).isEqualTo(new AdminConfig("127.0.0.1", 8008, Optional.empty()));
        assertThat(config.aws().imds()).isEqualTo(AwsConfig.ImdsMode.OFF);
        assertThat(config.bootstrap())
                .isEqualTo(new BootstrapConfig(BootstrapConfig.Mode.AUTO, Optional.empty(), Optional.empty()));
        assertThat(config.storage().tablespaces()).containsExactly(new TablespaceConfig("/dev/sdf", "main", 2));
        assertThat(config.storage().freezeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.storage().deviceLinks()).isEqualTo(Path.of("/dev/disk/by-id"));
        assertThat(config.engine().type()).isEqualTo("testengine");
        assertThat(config.engine().settings().path("data_dir").asText()).isEqualTo("/var/lib/test");
        assertThat(TestEnginePlugin.lastDataDir).isEqualTo(Path.of("/var/lib/test"));
        assertThat(TestEnginePlugin.BUILT.get())
                .as("validation builds no engine")
                .isEqualTo(builtBefore);
    }

    @Test
    void overridesBeatEnvironmentBeatsFileBeatsUserDataBeatsDefaults() throws IOException {
        Path file = file(VALID_YAML
                .replace("cluster: db.example.net", "cluster: from-file")
                .replace("name: db01", "name: file-node"));
        Path userData = write("user-data.json", "{\"name\": \"ud-node\", \"cluster\": \"from-user-data\"}");
        Map<String, String> env = Map.of("STEWARD_CLUSTER", "from-env", "STEWARD_NODE_NAME", "env-node");
        Map<String, String> set = Map.of("cluster", "from-set");

        assertThat(load(file, userData, env, set).cluster()).isEqualTo("from-set");
        assertThat(load(file, userData, env, Map.of()).cluster()).isEqualTo("from-env");
        assertThat(load(file, userData, Map.of(), Map.of()).cluster()).isEqualTo("from-file");
        Path fileWithoutCluster =
                file(VALID_YAML.replace("cluster: db.example.net", "").replace("name: db01", ""));
        assertThat(load(fileWithoutCluster, userData, Map.of(), Map.of()).cluster())
                .isEqualTo("from-user-data");

        assertThat(load(file, userData, env, Map.of("node.name", "set-node"))
                        .node()
                        .name())
                .isEqualTo("set-node");
        assertThat(load(file, userData, env, Map.of()).node().name()).isEqualTo("env-node");
        assertThat(load(file, userData, Map.of(), Map.of()).node().name()).isEqualTo("file-node");
        assertThat(load(fileWithoutCluster, userData, Map.of(), Map.of()).node().name())
                .isEqualTo("ud-node");
    }

    @Test
    void sectionsMergeKeyByKeyAcrossSources() throws IOException {
        Path file = file(VALID_YAML + "ha:\n  loop_wait: 500ms\n  primary_start_timeout: 30s\n");

        HaConfig ha = load(
                        file,
                        null,
                        Map.of("STEWARD_HA_MAXIMUM_LAG_ON_FAILOVER", "16MB"),
                        Map.of("ha.primary_start_timeout", "1m"))
                .ha();

        assertThat(ha.loopWait()).isEqualTo(Duration.ofMillis(500));
        assertThat(ha.maximumLagOnFailover()).isEqualTo(16L << 20);
        assertThat(ha.primaryStartTimeout()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void oneExceptionListsEveryProblemWithKeyValueAndWhatIsAllowed() throws IOException {
        Path file = file("""
                cluster: db.example.net
                engine: testengine
                node:
                  name: db01
                  host: 10.0.0.5
                  priority: high
                zookeeper:
                  session_timeout: 10m
                ha:
                  loop_wiat: 2s
                admin:
                  port: 70000
                aws:
                  imds: off
                testengine:
                  data_dir: /var/lib/test
                """);

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(file, null, Map.of(), Map.of()));

        assertThat(e.problems())
                .extracting(ConfigProblem::key)
                .containsExactlyInAnyOrder(
                        "node.priority (from config file " + file + ")",
                        "zookeeper.connect",
                        "zookeeper.digest_user",
                        "zookeeper.session_timeout (from config file " + file + ")",
                        "ha.loop_wiat (from config file " + file + ")",
                        "admin.port (from config file " + file + ")");
        assertThat(e.getMessage())
                .startsWith("invalid configuration (6 problems):")
                .contains("node.priority (from config file " + file
                        + "): 'high' is not valid; a whole number from 0 to 1000")
                .contains("zookeeper.connect: missing; the ensemble as host:port[,host:port...]")
                .contains("zookeeper.session_timeout (from config file " + file
                        + "): '10m' is not valid; a duration from 2s to 2m")
                .contains("ha.loop_wiat (from config file " + file
                        + "): '2s' is not valid; unknown key; known keys here: loop_wait,")
                .contains("admin.port (from config file " + file
                        + "): '70000' is not valid; a whole number from 0 to 65535");
    }

    @Test
    void malformedYamlNamesFileAndPositionWithoutStackTrace() throws IOException {
        Path file = file("cluster: db.example.net\nnode:\n  name: db01\n  host: a: b\n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(file, null, Map.of(), Map.of()));

        assertThat(e.problems()).hasSize(1);
        assertThat(e.getMessage())
                .contains(
                        file
                                + ": 'line 4, column 10' is not valid; expected valid YAML; mapping values are not allowed here")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
    }

    @Test
    void duplicateYamlKeysAreAnError() throws IOException {
        Path file = file(VALID_YAML + "cluster: other\n");

        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of()))
                .hasMessageContaining(
                        file + ": 'line 14, column 8' is not valid; expected valid YAML; Duplicate field 'cluster'");
    }

    @Test
    void aNamedConfigFileThatDoesNotExistIsAnError() {
        Path missing = dir.resolve("nope.yml");

        assertThatThrownBy(() -> load(missing, null, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing + ": missing; the configuration file was named but does not exist");
    }

    @Test
    void environmentVariablesMapToSectionsAndKeys() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("STEWARD_HA_LOOP_WAIT", "2s");
        env.put("STEWARD_TESTENGINE_PORT", "6543");
        env.put("STEWARD_ADMIN_TOKEN", "s3cret-token-of-at-least-32-characters");
        env.put("STEWARD_ZOOKEEPER_SESSION_TIMEOUT", "10s");
        env.put("STEWARD_ENGINE", "testengine");
        env.put("PATH", "/usr/bin");

        StewardConfig config = load(file(VALID_YAML), null, env, Map.of());

        assertThat(config.ha().loopWait()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.zookeeper().sessionTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.admin().token()).contains("s3cret-token-of-at-least-32-characters");
        assertThat(TestEnginePlugin.lastPort).isEqualTo(6543);
    }

    @Test
    void environmentVariablesThatMapToNothingAreProblems() throws IOException {
        Map<String, String> env = Map.of("STEWARD_BOGUS", "x", "STEWARD_HA_LOOPWAIT", "2s", "STEWARD_NODE_", "y");

        ConfigException e =
                catchThrowableOfType(ConfigException.class, () -> load(file(VALID_YAML), null, env, Map.of()));

        assertThat(e.problems())
                .extracting(ConfigProblem::key)
                .containsExactlyInAnyOrder(
                        "STEWARD_BOGUS",
                        "STEWARD_NODE_",
                        "ha.loopwait (from environment variable STEWARD_HA_LOOPWAIT)");
        assertThat(e.getMessage())
                .contains(
                        "STEWARD_BOGUS: '(value not shown)' is not valid; unknown variable; "
                                + "Steward reads STEWARD_CLUSTER, STEWARD_ENGINE and STEWARD_<SECTION>_<KEY> with SECTION one of NODE, ZOOKEEPER, HA, ADMIN, AWS");
    }

    @Test
    void theLaunchersAndThePluginsCommandsOwnVariablesAreNotConfiguration() throws IOException {
        Map<String, String> env = Map.of(
                "STEWARD_JAVA_OPTS",
                "-Xmx64m",
                TestEnginePlugin.COMMAND_VARIABLE,
                "/run/x.sock",
                "STEWARD_SOCAT",
                "",
                "STEWARD_HA_LOOP_WAIT",
                "500ms");

        StewardConfig config = load(file(VALID_YAML), null, env, Map.of());

        assertThat(config.ha().loopWait()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void secretsStayOutOfToStringAndErrorMessages() throws IOException {
        Path file = file(VALID_YAML.replace("zk-secret", "hunter2-zk"));

        StewardConfig config =
                load(file, null, Map.of(), Map.of("admin.token", "hunter2-admin-token-of-32-characters"));

        assertThat(config.zookeeper().digest()).contains(new ZooKeeperConfig.Digest("steward", "hunter2-zk"));
        assertThat(config.admin().token()).contains("hunter2-admin-token-of-32-characters");
        assertThat(config.toString())
                .doesNotContain("hunter2")
                .contains("digestUser=steward")
                .contains("token=***");

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> load(
                        file,
                        null,
                        Map.of("STEWARD_ADMIN_TOKN", "hunter2-typo"),
                        Map.of("admin.token", "[hunter2-list]", "zookeeper.digest_password.x", "hunter2-nested")));
        assertThat(e.getMessage())
                .doesNotContain("hunter2")
                .contains("admin.tokn (from environment variable STEWARD_ADMIN_TOKN)");
    }

    @Test
    void digestUserAndPasswordGoTogether() throws IOException {
        Path file = file(VALID_YAML.replace("  digest_password: zk-secret\n", ""));

        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of()))
                .hasMessageContaining("zookeeper.digest_password: missing; required with digest_user (or "
                        + "digest_password_file); the two go together");
    }

    @Test
    void withoutCredentialsTheZnodesMayBeOpenOnlyWhenSaidSo() throws IOException {
        Path file = file(VALID_YAML.replace("  digest_user: steward\n  digest_password: zk-secret\n", ""));

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(file, null, Map.of(), Map.of()));
        assertThat(e.problems()).extracting(ConfigProblem::key).containsExactly("zookeeper.digest_user");
        assertThat(e.getMessage())
                .contains("required (with digest_password or digest_password_file) unless " + "zookeeper.acl is open")
                .contains("anyone who can reach ZooKeeper can rewrite the lease");

        StewardConfig open = load(file, null, Map.of(), Map.of("zookeeper.acl", "open"));
        assertThat(open.zookeeper().acl()).isEqualTo(ZooKeeperConfig.Acl.OPEN);
        assertThat(open.zookeeper().digest()).isEmpty();
        assertThat(load(file(VALID_YAML), null, Map.of(), Map.of()).zookeeper().acl())
                .isEqualTo(ZooKeeperConfig.Acl.DIGEST);
        assertThat(load(file(VALID_YAML), null, Map.of(), Map.of("zookeeper.acl", "open"))
                        .zookeeper()
                        .digest())
                .as("open, yet authenticated: how a cluster moves to digest one node at a time")
                .isPresent();
        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of("zookeeper.acl", "world")))
                .hasMessageContaining(
                        "zookeeper.acl (from --set zookeeper.acl): 'world' is not valid; one of digest, open");
    }

    @Test
    void aDigestPasswordFileMustBeTheAgentsAloneAndIsReadAtStart() throws IOException {
        Path secret = write("zk-password", "from-the-file\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path file = file(VALID_YAML.replace("  digest_password: zk-secret", "  digest_password_file: " + secret));

        assertThat(load(file, null, Map.of(), Map.of()).zookeeper().digest())
                .contains(new ZooKeeperConfig.Digest("steward", "from-the-file"));

        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of()))
                .hasMessageContaining("zookeeper.digest_password_file")
                .hasMessageContaining("readable by it alone (chmod 600): it holds a secret")
                .hasMessageContaining("this one has mode rw-r-----");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));

        Path link = Files.createSymbolicLink(dir.resolve("zk-password-link"), secret);
        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of("zookeeper.digest_password_file", link.toString())))
                .hasMessageContaining("this one is a symbolic link");
        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of("zookeeper.digest_password_file", "zk-password")))
                .hasMessageContaining("this one is relative");
        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of("zookeeper.digest_password_file", dir + "/nothing")))
                .hasMessageContaining("this one cannot be read (NoSuchFileException");
        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of("zookeeper.digest_password", "inline")))
                .hasMessageContaining(
                        "zookeeper.digest_password_file (from config file " + file + "): '***' is not valid; ")
                .hasMessageContaining("absent when digest_password is set: one or the other");
        Files.writeString(secret, "\n");
        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of()))
                .hasMessageContaining("a file holding the secret; this one is empty");
    }

    @Test
    @Tag("servers") // keytool makes the stores
    void tlsNeedsATrustStoreThatOpensAndKeyStoresOnlyTheAgentCanRead() throws Exception {
        TestKeyStores stores = new TestKeyStores(dir);
        Path clientKeys = stores.keyStore("client");
        Path trust = stores.trustStore("trust", stores.keyStore("server"));
        Path file = file(VALID_YAML.replace(
                "  digest_user:",
                String.join(
                        "\n",
                        "  tls:",
                        "    trust_store: " + trust,
                        "    trust_store_password: " + TestKeyStores.PASSWORD,
                        "    key_store: " + clientKeys,
                        "    key_store_password_file: " + protectedFile("key-password", TestKeyStores.PASSWORD),
                        "  digest_user:")));

        ZooKeeperTls tls =
                load(file, null, Map.of(), Map.of()).zookeeper().tls().orElseThrow();
        assertThat(tls)
                .isEqualTo(new ZooKeeperTls(
                        trust,
                        ZooKeeperTls.StoreType.PKCS12,
                        Optional.of(TestKeyStores.PASSWORD),
                        Optional.of(clientKeys),
                        ZooKeeperTls.StoreType.PKCS12,
                        Optional.of(TestKeyStores.PASSWORD),
                        true));
        assertThat(tls.toString()).doesNotContain(TestKeyStores.PASSWORD);

        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of("zookeeper.tls.trust_store_password", "wrong")))
                .hasMessageContaining("zookeeper.tls.trust_store (from config file " + file + "): '" + trust
                        + "' is not valid; a PKCS12 store that opens with its password");
        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of("zookeeper.tls.trust_store_type", "p7b")))
                .hasMessageContaining("zookeeper.tls.trust_store_type (from --set zookeeper.tls.trust_store_type): "
                        + "'p7b' is not valid; one of pkcs12, jks, pem");
        Files.setPosixFilePermissions(clientKeys, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of()))
                .hasMessageContaining("zookeeper.tls.key_store")
                .hasMessageContaining("this one has mode rw-r--r--");

        Path withoutTrustStore =
                file(VALID_YAML.replace("  digest_user:", "  tls: {hostname_verification: false}\n  digest_user:"));
        assertThatThrownBy(() -> load(withoutTrustStore, null, Map.of(), Map.of()))
                .hasMessageContaining("zookeeper.tls.trust_store: missing; required with zookeeper.tls");
        Path keyStoreWithoutPassword = file(VALID_YAML.replace(
                "  digest_user:",
                "  tls: {trust_store: " + trust + ", key_store: " + clientKeys + "}\n  digest_user:"));
        Files.setPosixFilePermissions(clientKeys, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> load(keyStoreWithoutPassword, null, Map.of(), Map.of()))
                .hasMessageContaining("zookeeper.tls.key_store_password: missing; required with a PKCS12 key_store");
    }

    private Path protectedFile(String name, String content) throws IOException {
        Path file = write(name, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Test
    void eachTickMustProveTheLeaseForTwoTicks() throws IOException {
        Path file = file(VALID_YAML);

        // session 5 s, the ensemble's tick 2 s (default): a proof lasts 5 - 2.6 (the tick, in whole 1.3 s loops) - 0.5
        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of("ha.loop_wait", "1300ms")))
                .hasMessageContaining(
                        "zookeeper.session_timeout: '5s' is not valid; long enough that each tick proves "
                                + "the lease for two ticks of ha.loop_wait (1300ms): with zookeeper.tick_time 2s a proof lasts 1900ms");
        assertThat(load(file, null, Map.of(), Map.of("ha.loop_wait", "1s")).ha().loopWait())
                .isEqualTo(Duration.ofSeconds(1));
        // a shorter tick leaves more of the session to the lease
        assertThat(load(file, null, Map.of(), Map.of("ha.loop_wait", "1300ms", "zookeeper.tick_time", "500ms"))
                        .ha()
                        .loopWait())
                .isEqualTo(Duration.ofMillis(1300));
        assertThat(load(file, null, Map.of(), Map.of("ha.loop_wait", "5s", "zookeeper.session_timeout", "16s"))
                        .ha()
                        .loopWait())
                .isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() ->
                        load(file, null, Map.of(), Map.of("ha.loop_wait", "5s", "zookeeper.session_timeout", "15s")))
                .hasMessageContaining(
                        "zookeeper.session_timeout (from --set zookeeper.session_timeout): '15s' is not valid");
        assertThatThrownBy(() -> load(
                        file, null, Map.of(), Map.of("ha.loop_wait", "5s", "zookeeper.session_timeout", "11 secs")))
                .as("no cross-check against a default that stands in for an invalid value")
                .satisfies(t -> assertThat(((ConfigException) t).problems()).hasSize(1))
                .hasMessageContaining(
                        "zookeeper.session_timeout (from --set zookeeper.session_timeout): '11 secs' is not valid");
    }

    @Test
    void zookeeperConnectNamesTheBadMember() throws IOException {
        assertThatThrownBy(() ->
                        load(file(VALID_YAML), null, Map.of(), Map.of("zookeeper.connect", "zk1:2181,zk2,zk3:99999")))
                .satisfies(t -> assertThat(((ConfigException) t).problems()).hasSize(2))
                .hasMessageContaining("('zk2' is not)")
                .hasMessageContaining("('zk3:99999' is not)");
        assertThat(load(file(VALID_YAML), null, Map.of(), Map.of("zookeeper.connect", "[::1]:2181, 10.0.0.1:2182"))
                        .zookeeper()
                        .connect())
                .isEqualTo("[::1]:2181, 10.0.0.1:2182");
    }

    @Test
    void requiredValuesCannotBeBlankAndMustMatchTheirPattern() throws IOException {
        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> load(
                        file(VALID_YAML),
                        null,
                        Map.of(),
                        Map.of(
                                "cluster",
                                " ",
                                "node.name",
                                "db 01",
                                "node.state_dir",
                                "relative/dir",
                                "admin.address",
                                "not a host")));

        assertThat(e.problems())
                .extracting(p -> p.key().replaceAll(" \\(from.*", ""))
                .containsExactlyInAnyOrder("cluster", "node.name", "node.state_dir", "admin.address");
        assertThat(e.getMessage())
                .contains("cluster (from --set cluster): ' ' is not valid; 1 to 100 letters, digits, '.', '_' or '-'");
    }

    @Test
    void engineMustBeAnInstalledPlugin() throws IOException {
        assertThatThrownBy(() -> load(
                        file(VALID_YAML.replace("engine: testengine", "engine: oracle")), null, Map.of(), Map.of()))
                .hasMessageContaining("engine (from config file")
                .hasMessageContaining("'oracle' is not valid; one of the installed engine plugins: testengine");
    }

    @Test
    void thePluginValidatesItsOwnSection() throws IOException {
        Path file = file(VALID_YAML.replace("  data_dir: /var/lib/test", "  port: 0\n  data_dri: /x"));

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(file, null, Map.of(), Map.of()));

        assertThat(e.getMessage())
                .contains("testengine.data_dir: missing; the data directory")
                .contains("testengine.port (from config file " + file
                        + "): '0' is not valid; a whole number from 1 to 65535")
                .contains("testengine.data_dri (from config file " + file
                        + "): '/x' is not valid; unknown key; known keys here: data_dir, port");
    }

    @Test
    void synchronousModeNeedsAnEngineWhosePrimaryCanWaitForAReplica() throws IOException {
        Path file = file(VALID_YAML.replace(
                "  data_dir: /var/lib/test", "  data_dir: /var/lib/test\n  synchronous_standby: false"));

        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of("ha.synchronous_mode", "true")))
                .satisfies(t -> assertThat(((ConfigException) t).problems()).hasSize(1))
                .hasMessageContaining(
                        "ha.synchronous_mode (from --set ha.synchronous_mode): 'true' is not valid; false for "
                                + "engine testengine: its primary cannot be made to wait for a named replica");
        assertThat(load(file, null, Map.of(), Map.of()).ha().synchronousMode()).isFalse();
        assertThat(load(file(VALID_YAML), null, Map.of(), Map.of("ha.synchronous_mode", "true"))
                        .ha()
                        .synchronousMode())
                .as("an engine that can wait for a named replica")
                .isTrue();
    }

    /** The core knows engines only by their installed plugins (sections of another installed engine: plugins' tests). */
    @Test
    void aSectionOfAnEngineThatIsNotInstalledIsAnUnknownKey() throws IOException {
        Path file = file(VALID_YAML + "oracle:\n  sga: 4GB\n");

        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of()))
                .hasMessageContaining(
                        "oracle (from config file " + file + "): '{\"sga\":\"4GB\"}' is not valid; unknown key");
    }

    @Test
    void storageFreezeTimeoutAndDeviceLinksAreCheckedToo() throws IOException {
        StewardConfig config = ConfigLoader.load(sources(
                file(VALID_YAML + "storage: {freeze_timeout: 3s, device_links: /run/links}\n"), Map.of(), Map.of()));
        assertThat(config.storage().freezeTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.storage().deviceLinks()).isEqualTo(Path.of("/run/links"));

        ConfigException e = catchThrowableOfType(
                ConfigException.class,
                () -> ConfigLoader.load(sources(
                        file(VALID_YAML + "storage: {freeze_timeout: 1h, device_links: links}\n"),
                        Map.of(),
                        Map.of())));
        assertThat(e.problems())
                .extracting(p -> p.key().replaceAll(" \\(from.*", ""))
                .containsExactlyInAnyOrder("storage.freeze_timeout", "storage.device_links");
    }

    @Test
    void unknownTopLevelKeysAreProblems() throws IOException {
        assertThatThrownBy(() -> load(file(VALID_YAML + "clutser: x\n"), null, Map.of(), Map.of()))
                .hasMessageContaining("clutser")
                .hasMessageContaining("unknown key; known keys here: cluster, engine, node,");
    }

    @Test
    void bookUserDataForAReplicaMeansNeverInitialiseANewCluster() throws IOException {
        Path file = file(VALID_YAML.replace("cluster: db.example.net", "").replace("name: db01", ""));
        Path userData = write("ud.json", """
                {"name": "db02", "cluster": "db.example.net", "master": "db01.example.net",
                 "tablespaces": [{"device": "/dev/sdf", "name": "main", "size": 100},
                                 {"device": "/dev/sdg", "name": "big_data", "size": 500}]}
                """);

        StewardConfig config = load(file, userData, Map.of(), Map.of());

        assertThat(config.node().name()).isEqualTo("db02");
        assertThat(config.cluster()).isEqualTo("db.example.net");
        assertThat(config.bootstrap())
                .isEqualTo(new BootstrapConfig(
                        BootstrapConfig.Mode.REPLICA, Optional.of("db01.example.net"), Optional.empty()));
        assertThat(config.storage().tablespaces())
                .containsExactly(
                        new TablespaceConfig("/dev/sdf", "main", 100),
                        new TablespaceConfig("/dev/sdg", "big_data", 500));
    }

    @Test
    void bookUserDataForACloneWithATimestamp() throws IOException {
        Path userData =
                write("ud.json", "{\"clone\": \"db01.example.net\", \"timestamp\": \"2013-06-01T12:00:00+02:00\"}");

        BootstrapConfig bootstrap =
                load(file(VALID_YAML), userData, Map.of(), Map.of()).bootstrap();

        assertThat(bootstrap)
                .isEqualTo(new BootstrapConfig(
                        BootstrapConfig.Mode.CLONE,
                        Optional.of("db01.example.net"),
                        Optional.of(Instant.parse("2013-06-01T10:00:00Z"))));
    }

    @Test
    void badUserDataValuesAreNamedWithTheirUserDataKey() throws IOException {
        Path userData = write("ud.json", """
                {"master": "db01", "timestamp": "yesterday",
                 "tablespaces": [{"device": "sdf", "name": "Main", "size": 0}, {"name": "x", "size": 10, "fs": "xfs"}]}
                """);
        String from = " (from user data file " + userData;

        ConfigException e =
                catchThrowableOfType(ConfigException.class, () -> load(file(VALID_YAML), userData, Map.of(), Map.of()));

        assertThat(e.getMessage())
                .contains("bootstrap.target_time" + from
                        + " key 'timestamp'): 'yesterday' is not valid; an ISO-8601 date and time")
                .contains("bootstrap.target_time" + from
                        + " key 'timestamp'): 'yesterday' is not valid; only for bootstrap.mode clone")
                .contains("storage.tablespaces[0].device" + from
                        + " key 'tablespaces'): 'sdf' is not valid; a block device path")
                .contains("storage.tablespaces[0].name" + from
                        + " key 'tablespaces'): 'Main' is not valid; a tablespace name")
                .contains("storage.tablespaces[0].size" + from
                        + " key 'tablespaces'): '0' is not valid; a whole number from 1 to 16384")
                .contains("storage.tablespaces[1].device" + from + " key 'tablespaces'): missing; a block device path")
                .contains("storage.tablespaces[1].fs" + from + " key 'tablespaces'): 'xfs' is not valid; unknown key")
                .contains("storage.tablespaces" + from
                        + " key 'tablespaces'): 'Main, x' is not valid; a list that includes the tablespace 'main'");
    }

    @Test
    void malformedOrUnknownUserDataIsNamedByFileAndPosition() throws IOException {
        Path broken = write("broken.json", "{\"name\": \"db01\",\n \"cluster\": }");
        Path notObject = write("list.json", "[\"db01\"]");
        Path unknown = write("unknown.json", "{\"name\": \"db01\", \"replicas\": 3}");

        assertThatThrownBy(() -> load(file(VALID_YAML), broken, Map.of(), Map.of()))
                .hasMessageContaining(
                        broken + ": 'line 2, column 13' is not valid; expected valid JSON; Unexpected character ('}'");
        assertThatThrownBy(() -> load(file(VALID_YAML), notObject, Map.of(), Map.of()))
                .hasMessageContaining(
                        notObject + ": '[\"db01\"]' is not valid; expected a JSON mapping of keys to values");
        assertThatThrownBy(() -> load(file(VALID_YAML), unknown, Map.of(), Map.of()))
                .hasMessageContaining(
                        "user data file " + unknown
                                + " key 'replicas': '3' is not valid; unknown user data key; the book's keys are name, cluster, master");
    }

    @Test
    void aPluginsUserDataKeyGoesToItsSectionWhichOtherEnginesMustNotHave() throws IOException {
        Path userData = write("ud.json", "{\"flavour\": \"vanilla\"}");

        assertThatThrownBy(() -> load(
                        file(VALID_YAML.replace("engine: testengine", "engine: oracle")), userData, Map.of(), Map.of()))
                .hasMessageContaining("testengine (from user data file " + userData + " key 'flavour'): '{...}' is not "
                        + "valid; section testengine given but engine is oracle");
    }

    @Test
    void setKeysMustBeDotted() throws IOException {
        assertThatThrownBy(() -> load(file(VALID_YAML), null, Map.of(), Map.of("ha..loop_wait", "2s")))
                .hasMessageContaining("--set ha..loop_wait: '2s' is not valid; a dotted key and a value");
    }

    @Test
    void imdsOnThatDoesNotAnswerIsAProblemAndAutoCarriesOn() throws IOException {
        URI closed = closedPort();
        Path file = file(VALID_YAML.replace(
                "  imds: off", "  imds: on\n  imds_endpoint: " + closed + "\n  imds_timeout: 200ms"));

        assertThatThrownBy(() -> load(file, null, Map.of(), Map.of()))
                .hasMessageContaining("aws.imds (from config file " + file
                        + "): 'on' is not valid; IMDS must answer when aws.imds is on, but IMDS at " + closed
                        + " did not answer");
        StewardConfig config = load(file, null, Map.of(), Map.of("aws.imds", "auto"));
        assertThat(config.node().host()).isEqualTo("10.0.0.5");
        assertThat(config.node().instanceId()).isEmpty();
    }

    /** A loopback port nobody listens on: connections are refused at once. */
    static URI closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }

    private StewardConfig load(Path file, Path userData, Map<String, String> env, Map<String, String> set) {
        return ConfigLoader.load(
                new ConfigLoader.Sources(Optional.ofNullable(file), Optional.ofNullable(userData), false, env, set));
    }

    private static ConfigLoader.Sources sources(Path file, Map<String, String> env, Map<String, String> set) {
        return new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, env, set);
    }

    private Path file(String yaml) throws IOException {
        return write("steward-" + Integer.toHexString(yaml.hashCode()) + ".yml", yaml);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
