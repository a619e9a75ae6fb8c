package io.steward.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.it.packaging.Distribution.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: the EC2 scripts fail loudly, naming what is wrong, before they change anything on the machine. (What they
 * install needs an EC2 instance; only their refusals can run here.)
 */
class BootstrapScriptTest {
    private static final Path BOOTSTRAP = Distribution.PACKAGING.resolve("ec2/bootstrap.sh");
    private static final Path INSTALL_DATABASE = Distribution.PACKAGING.resolve("ec2/install-database.sh");

    @TempDir
    Path dir;

    @Test
    void aConfigurationStillHoldingPlaceholdersIsRefusedLineByLine() throws Exception {
        Path config = Distribution.PACKAGING.resolve("examples/config/postgresql.yml");
        Path packageThatIsNeverFetched = dir.resolve("steward.deb");

        Result result =
                bash(BOOTSTRAP, "--package", packageThatIsNeverFetched.toString(), "--config", config.toString());

        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output())
                .contains("steward-bootstrap: FAILED while checking " + config, "CHANGE-ME")
                .containsPattern("\\n\\d+:.*token: \"CHANGE-ME-to-32-or-more-random-characters\"");
    }

    @Test
    void badArgumentsAreRefusedWithTheUsage() throws Exception {
        Path userData = Files.writeString(dir.resolve("user-data.json"), "{}");

        Result both = bash(BOOTSTRAP, "--package", "x.deb", "--user-data", userData.toString(), "--imds");
        Result noPackage = bash(BOOTSTRAP, "--imds");
        Result unknown = bash(BOOTSTRAP, "--package", "x.deb", "--start-now");

        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.output()).contains("--user-data and --imds exclude each other", "usage:");
        assertThat(noPackage.exitCode()).isEqualTo(2);
        assertThat(noPackage.output()).contains("--package is required");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.output()).contains("unknown argument '--start-now'");
    }

    @Test
    void theDatabaseInstallerRefusesAnUnknownEngineAndAMongodbSetWithoutAName() throws Exception {
        Result unknown = bash(INSTALL_DATABASE, "cassandra");
        Result unnamedSet = bash(INSTALL_DATABASE, "mongodb");

        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.output()).contains("unknown engine 'cassandra'", "postgresql|redis|mongodb|elasticsearch");
        assertThat(unnamedSet.exitCode()).isEqualTo(2);
        assertThat(unnamedSet.output()).contains("--replica-set");
    }

    private static Result bash(Path script, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(arguments));
        return Distribution.run(Duration.ofSeconds(30), command);
    }
}
