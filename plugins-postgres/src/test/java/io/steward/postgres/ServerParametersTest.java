package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.steward.config.ConfigLoader;
import io.steward.engine.EngineContext;
import io.steward.settings.ConfigException;
import io.steward.settings.ConfigProblem;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code postgresql.parameters} as YAML gives them, and as steward.conf then carries them. */
class ServerParametersTest {
    private static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void aYamlBooleanIsWrittenAsPostgresqlsOnOrOffAndQuotedTextAsGiven() throws Exception {
        ConfigProblems problems = new ConfigProblems();
        Map<String, String> parameters = read("""
                parameters:
                  fsync: yes
                  full_page_writes: off
                  jit: true
                  log_connections: 'on'
                  application_name: 'true'
                  work_mem: 8MB
                  max_connections: 200
                """, problems);

        assertThat(problems.list()).isEmpty();
        assertThat(parameters)
                .containsExactly(
                        Map.entry("fsync", "on"),
                        Map.entry("full_page_writes", "off"),
                        Map.entry("jit", "on"),
                        Map.entry("log_connections", "on"),
                        Map.entry("application_name", "true"),
                        Map.entry("work_mem", "8MB"),
                        Map.entry("max_connections", "200"));
    }

    @Test
    void anArchiveCommandTurnsArchiveModeOnUnlessGivenAsAlways() throws Exception {
        assertThat(archiveMode("archive_command: 'steward wal-push %p'")).contains("on");
        // YAML 1.1's unquoted on is the boolean true: still PostgreSQL's on
        assertThat(archiveMode("archive_command: 'steward wal-push %p'\n  archive_mode: on"))
                .contains("on");
        assertThat(archiveMode("archive_command: 'steward wal-push %p'\n  archive_mode: 'YES'"))
                .contains("on");
        assertThat(archiveMode("archive_command: 'steward wal-push %p'\n  ARCHIVE_MODE: Always"))
                .contains("always");
    }

    @Test
    void withoutAnArchiveCommandArchiveModeIsTheOperatorsInPostgresqlsSpelling() throws Exception {
        assertThat(archiveMode("work_mem: 8MB")).isEmpty();
        assertThat(archiveMode("archive_command: ''")).isEmpty();
        assertThat(archiveMode("archive_mode: off")).contains("off");
        assertThat(archiveMode("archive_mode: '0'")).contains("off");
        assertThat(archiveMode("archive_mode: 'true'")).contains("on");
    }

    @Test
    void archiveModeOffWithAnArchiveCommandIsAProblemNamingBoth() throws Exception {
        ConfigProblems problems = new ConfigProblems();
        read("parameters: {archive_command: 'steward wal-push %p', archive_mode: off}", problems);

        assertThat(problems.list()).singleElement().satisfies(problem -> {
            assertThat(problem.key()).isEqualTo("postgresql.parameters.archive_mode");
            assertThat(problem.value()).isEqualTo("off");
            assertThat(problem.allowed()).contains("postgresql.parameters.archive_command");
        });
    }

    @Test
    void anArchiveModeTheServerWouldRefuseIsAProblem() throws Exception {
        for (String refused : new String[] {"t", "of", "' on'", "maybe"}) {
            ConfigProblems problems = new ConfigProblems();
            read("parameters: {archive_mode: " + refused + "}", problems);
            assertThat(problems.list())
                    .as(refused)
                    .extracting(ConfigProblem::key)
                    .containsExactly("postgresql.parameters.archive_mode");
        }
    }

    /** The spellings of PostgreSQL 15's archive_mode table, checked against postgres -C on a real server. */
    @Test
    void archiveModeIsReadAsTheServerReadsIt() {
        for (String on : new String[] {"on", "ON", "true", "True", "yes", "1"}) {
            assertThat(ArchiveMode.parse(on)).as(on).contains(ArchiveMode.ON);
        }
        for (String off : new String[] {"off", "false", "no", "NO", "0"}) {
            assertThat(ArchiveMode.parse(off)).as(off).contains(ArchiveMode.OFF);
        }
        assertThat(ArchiveMode.parse("Always")).contains(ArchiveMode.ALWAYS);
        for (String refused : new String[] {"t", "tr", "y", "ye", "of", "f", "n", " on", "on ", ""}) {
            assertThat(ArchiveMode.parse(refused)).as("'%s'", refused).isEmpty();
        }
        assertThat(ArchiverStatus.archives(Map.of("archive_mode", "always"))).isTrue();
        assertThat(ArchiverStatus.archives(Map.of("archive_mode", "off"))).isFalse();
        assertThat(ArchiverStatus.archives(Map.of())).isFalse();
    }

    @Test
    void stewardConfCarriesThemAsPostgresqlWritesThem() throws Exception {
        JsonNode section = YAML.readTree("""
                data_dir: /var/lib/postgresql/15/main
                superuser_password: s
                replication_password: r
                parameters:
                  archive_command: 'steward wal-push %p'
                  hot_standby_feedback: on
                """);
        ConfigProblems problems = new ConfigProblems();
        PostgresSettings settings = PostgresSettings.read(new EngineContext(
                "n1",
                "10.0.0.1",
                new Settings("postgresql", section, problems),
                Path.of("/var/lib/steward"),
                new MetricRegistry()));

        assertThat(problems.list()).isEmpty();
        assertThat(new ConfigWriter(settings, "n1").stewardConf(Optional.empty()))
                .contains("archive_command = 'steward wal-push %p'\n")
                .contains("archive_mode = 'on'\n")
                .doesNotContain("'true'");
    }

    /** What validate-config reads: the whole configuration, whose loading lists every problem. */
    @Test
    void validatingTheConfigurationReportsArchiveModeOff(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("steward.yml"), """
                cluster: db.example.net
                engine: postgresql
                node: {name: db01, host: 10.0.0.5}
                zookeeper: {connect: "zk1:2181", digest_user: steward, digest_password: zk-secret}
                aws: {imds: off}
                postgresql:
                  data_dir: /var/lib/postgresql/15/steward
                  superuser_password: s1
                  replication_password: s2
                  parameters: {archive_command: 'steward wal-push %p', archive_mode: off}
                backup:
                  store: {bucket: my-backup-bucket, region: eu-west-1}
                """);

        ConfigException refused = catchThrowableOfType(
                ConfigException.class,
                () -> ConfigLoader.load(
                        new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, Map.of(), Map.of())));

        assertThat(refused.getMessage())
                .contains("postgresql.parameters.archive_mode")
                .contains("postgresql.parameters.archive_command");
    }

    private static Optional<String> archiveMode(String parameters) throws Exception {
        ConfigProblems problems = new ConfigProblems();
        Map<String, String> read = read("parameters:\n  " + parameters + "\n", problems);
        assertThat(problems.list()).isEmpty();
        return Optional.ofNullable(read.get("archive_mode"));
    }

    private static Map<String, String> read(String yaml, ConfigProblems problems) throws Exception {
        return ServerParameters.read(new Settings("postgresql", YAML.readTree(yaml), problems));
    }
}
