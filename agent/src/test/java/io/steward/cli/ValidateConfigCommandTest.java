package io.steward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateConfigCommandTest {
    private static final String VALID_YAML = """
            cluster: db.example.net
            engine: testengine
            node:
              name: db01
              host: 10.0.0.5
            zookeeper:
              connect: zk1:2181
              digest_user: steward
              digest_password: zk-secret
            aws:
              imds: off
            testengine:
              data_dir: /var/lib/test
            """;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void aValidConfigurationExitsZero() throws IOException {
        Path config = Files.writeString(dir.resolve("steward.yml"), VALID_YAML);

        int exit = run(Map.of(), dir.resolve("absent.yml"), "--config", config.toString());

        assertThat(exit).isZero();
        assertThat(out.toString())
                .isEqualTo("configuration OK: cluster db.example.net, node db01, engine testengine"
                        + System.lineSeparator());
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void anInvalidConfigurationExitsTwoListingEveryProblemWithoutStackTrace() throws IOException {
        Path config = Files.writeString(dir.resolve("steward.yml"), VALID_YAML);

        int exit = run(
                Map.of("STEWARD_HA_LOOP_WAIT", "forever"),
                dir.resolve("absent.yml"),
                "--config",
                config.toString(),
                "--set",
                "admin.port=-1",
                "--set",
                "node.priority=1001");

        assertThat(exit).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString())
                .startsWith("invalid configuration (3 problems):")
                .contains("ha.loop_wait (from environment variable STEWARD_HA_LOOP_WAIT): 'forever' is not valid")
                .contains("admin.port (from --set admin.port): '-1' is not valid; a whole number from 0 to 65535")
                .contains(
                        "node.priority (from --set node.priority): '1001' is not valid; a whole number from 0 to 1000")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
    }

    @Test
    void theDefaultConfigFileIsUsedWhenNoneIsNamed() throws IOException {
        Path defaultFile =
                Files.writeString(dir.resolve("default.yml"), VALID_YAML.replace("name: db01", "name: from-default"));

        assertThat(run(Map.of(), defaultFile)).isZero();
        assertThat(out.toString()).contains("node from-default");

        assertThat(run(Map.of("STEWARD_AWS_IMDS", "off"), dir.resolve("absent.yml")))
                .isEqualTo(2);
        assertThat(err.toString()).contains("cluster: missing");
    }

    @Test
    void userDataAndOverridesCombineWithTheFile() throws IOException {
        Path config = Files.writeString(dir.resolve("steward.yml"), VALID_YAML.replace("  name: db01\n", ""));
        Path userData = Files.writeString(
                dir.resolve("user-data.json"), "{\"name\": \"db02\", \"master\": \"db01.example.net\"}");

        int exit = run(
                Map.of(),
                dir.resolve("absent.yml"),
                "--config",
                config.toString(),
                "--user-data",
                userData.toString(),
                "--set",
                "cluster=staging.example.net");

        assertThat(exit).isZero();
        assertThat(out.toString())
                .contains("configuration OK: cluster staging.example.net, node db02, engine testengine");
    }

    @Test
    void aSetWithoutEqualsIsAUsageError() {
        assertThat(run(Map.of(), dir.resolve("absent.yml"), "--set", "ha.loop_wait"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--set");
    }

    private int run(Map<String, String> environment, Path defaultConfig, String... args) {
        CommandLine cli = new CommandLine(new ValidateConfigCommand(environment, defaultConfig));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
