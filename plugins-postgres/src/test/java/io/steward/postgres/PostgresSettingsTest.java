package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.Endpoint;
import io.steward.engine.EngineContext;
import io.steward.engine.Peer;
import io.steward.plugins.EngineRegistry;
import io.steward.settings.ConfigProblem;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the postgresql: section and what the engine writes from it; no server involved. */
@Tag("root")
class PostgresSettingsTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void everyBadValueIsReportedByKey(@TempDir Path stateDir) {
        ObjectNode section = json.createObjectNode()
                .put("port", "70000")
                .put("stop_timeout", "forever")
                .put("superuser", "bad name")
                .put("sockets_dir", "/tmp");
        section.putObject("parameters").put("port", "5433").put("work_mem", "8MB");
        ConfigProblems problems = new ConfigProblems();
        Settings settings = new Settings("postgresql", section, problems);

        new PostgresPlugin()
                .configure(
                        new EngineContext("n1", "10.0.0.1", settings, stateDir.resolve("state"), new MetricRegistry()));
        settings.rejectUnknownKeys();

        assertThat(problems.list())
                .extracting(ConfigProblem::key)
                .containsExactlyInAnyOrder(
                        "postgresql.data_dir",
                        "postgresql.superuser_password",
                        "postgresql.replication_password",
                        "postgresql.port",
                        "postgresql.stop_timeout",
                        "postgresql.superuser",
                        "postgresql.parameters.port",
                        "postgresql.sockets_dir");
        assertThat(problems.list())
                .filteredOn(problem -> problem.key().equals("postgresql.port"))
                .singleElement()
                .asString()
                .contains("70000")
                .contains("1 to 65535");
        // configure() must not touch the disk: validate-config runs it too.
        assertThat(stateDir.resolve("state")).doesNotExist();
    }

    @Test
    void defaultsFillEverythingButTheRequiredKeys() {
        ObjectNode section = json.createObjectNode()
                .put("data_dir", "/var/lib/postgresql/15/main")
                .put("superuser_password", "super-secret-1")
                .put("replication_password", "repl-secret-2")
                .put("pg_hba", "hostssl all all 10.0.0.0/8 scram-sha-256\n\nhost all all 0.0.0.0/0 reject\n");
        ConfigProblems problems = new ConfigProblems();
        PostgresSettings settings = PostgresSettings.read(new EngineContext(
                "n1",
                "10.0.0.1",
                new Settings("postgresql", section, problems),
                Path.of("/var/lib/steward"),
                new MetricRegistry()));

        assertThat(problems.isEmpty()).isTrue();
        assertThat(settings.port()).isEqualTo(5432);
        assertThat(settings.listenAddress()).isEqualTo("10.0.0.1");
        assertThat(settings.binDir()).isEqualTo(Path.of("/usr/lib/postgresql/15/bin"));
        assertThat(settings.socketDir()).isEqualTo(Path.of("/var/run/postgresql"));
        assertThat(settings.osUser()).isEqualTo("postgres");
        assertThat(settings.replicationUser()).isEqualTo("replicator");
        assertThat(settings.extraHbaLines()).hasSize(2);
        assertThat(settings.stopTimeout()).hasSeconds(60);
        assertThat(settings.toString()).doesNotContain("super-secret-1").doesNotContain("repl-secret-2");
    }

    @Test
    void thePluginIsFoundByName() {
        assertThat(EngineRegistry.find("postgresql"))
                .hasValueSatisfying(plugin -> assertThat(plugin).isInstanceOf(PostgresPlugin.class));
    }

    @Test
    void slotNamesAreMemberNamesPostgresAccepts() {
        assertThat(ConfigWriter.slotName("db-1.eu-west-1a")).isEqualTo("db_1_eu_west_1a");
        assertThat(ConfigWriter.slotName("Node_A")).isEqualTo("node_a");
        assertThat(ConfigWriter.slotName("x".repeat(80))).hasSize(63);
    }

    @Test
    void replicaSettingsKeepThePasswordInThePassfile(@TempDir Path dataDir) throws Exception {
        Files.writeString(dataDir.resolve("postgresql.conf"), "shared_buffers = 128MB\n");
        // the data directory and its files are the server user's, as initdb leaves them
        UserPrincipal postgres =
                dataDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(dataDir, postgres);
        Files.setOwner(dataDir.resolve("postgresql.conf"), postgres);
        ObjectNode section = json.createObjectNode()
                .put("data_dir", dataDir.toString())
                .put("superuser_password", "s")
                .put("replication_password", "pa:ss\\word")
                .put("pg_hba", "host all all 10.0.0.0/8 reject");
        PostgresSettings settings = PostgresSettings.read(new EngineContext(
                "db-2",
                "10.0.0.2",
                new Settings("postgresql", section, new ConfigProblems()),
                dataDir,
                new MetricRegistry()));
        ConfigWriter writer = new ConfigWriter(settings, "db-2");

        assertThat(writer.writeNodeConfiguration(Optional.of(new Peer("db-1", new Endpoint("10.0.0.1", 5432)))))
                .isTrue();

        String conf = Files.readString(dataDir.resolve(ConfigWriter.STEWARD_CONF));
        assertThat(conf)
                .contains(
                        "listen_addresses = '10.0.0.2'",
                        "port = '5432'",
                        "primary_slot_name = 'db_2'",
                        "application_name=''db-2''",
                        "host=''10.0.0.1''")
                .doesNotContain("pa:ss");
        assertThat(Files.readString(dataDir.resolve(ConfigWriter.PASSFILE)))
                .isEqualTo("*:*:*:replicator:pa\\:ss\\\\word\n");
        assertThat(Files.readString(dataDir.resolve("postgresql.conf")))
                .endsWith("include_if_exists = 'steward.conf'\n");
        assertThat(Files.readString(dataDir.resolve("pg_hba.conf"))
                        .lines()
                        .skip(1)
                        .findFirst())
                .contains("host all all 10.0.0.0/8 reject");
        assertThat(Files.getPosixFilePermissions(dataDir.resolve(ConfigWriter.PASSFILE)))
                .hasSize(2);
        // Rewriting the same thing changes nothing, and the include line is added once.
        assertThat(writer.writeNodeConfiguration(Optional.of(new Peer("db-1", new Endpoint("10.0.0.1", 5432)))))
                .isFalse();
        assertThat(Files.readString(dataDir.resolve("postgresql.conf"))).containsOnlyOnce("include_if_exists");
        assertThat(writer.differs(Optional.empty())).isTrue();
    }

    @Test
    void passwordsComeFromFilesOnlyTheAgentsUserCanRead(@TempDir Path dir) throws Exception {
        Path superuser = Files.writeString(dir.resolve("superuser"), "super-from-file\n");
        Path replication = Files.writeString(dir.resolve("replication"), "repl-from-file\n");
        Files.setPosixFilePermissions(superuser, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(replication, PosixFilePermissions.fromString("rw-------"));
        ObjectNode section = json.createObjectNode()
                .put("data_dir", "/var/lib/postgresql/15/main")
                .put("superuser_password_file", superuser.toString())
                .put("replication_password_file", replication.toString());
        ConfigProblems problems = new ConfigProblems();

        PostgresSettings settings = PostgresSettings.read(new EngineContext(
                "n1",
                "10.0.0.1",
                new Settings("postgresql", section, problems),
                Path.of("/var/lib/steward"),
                new MetricRegistry()));

        assertThat(problems.list()).isEmpty();
        assertThat(settings.superuserPassword()).isEqualTo("super-from-file");
        assertThat(settings.replicationPassword()).isEqualTo("repl-from-file");

        Files.setPosixFilePermissions(replication, PosixFilePermissions.fromString("rw-r--r--"));
        ConfigProblems refused = new ConfigProblems();
        PostgresSettings.read(new EngineContext(
                "n1",
                "10.0.0.1",
                new Settings("postgresql", section.put("superuser_password", "inline-too"), refused),
                Path.of("/var/lib/steward"),
                new MetricRegistry()));
        assertThat(refused.list())
                .extracting(ConfigProblem::key)
                .containsExactlyInAnyOrder(
                        "postgresql.replication_password_file", "postgresql.superuser_password_file");
        assertThat(refused.list())
                .extracting(ConfigProblem::allowed)
                .anySatisfy(allowed -> assertThat(allowed)
                        .contains("readable by it alone (chmod 600)")
                        .contains("has mode rw-r--r--"))
                .anySatisfy(allowed -> assertThat(allowed).contains("one or the other"));
    }
}
