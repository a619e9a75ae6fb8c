package io.steward.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.steward.it.acceptance.InstalledSteward;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 7: every example under packaging/examples passes {@code steward validate-config} of the shipped tarball's
 * launcher with the example configuration of its engine, as an operator checks a node's user data before launching
 * it; malformed user data fails with exit code 2 and a message naming what is wrong.
 *
 * <p>The examples are EC2 configurations: IMDS tells the node's identity. Here, off EC2,
 * {@link ImdsStandIns#VALUES} give what IMDS would (instance id, zone, region, private address and host
 * name) with {@code --set}, and IMDS is off, as docs/install.md shows.
 */
class UserDataExamplesTest {
    private static final String INSTANCE_ID = ImdsStandIns.VALUES.get("node.instance_id");
    /** The engines whose user data names the cluster's record or replica set, not the node: named by instance id. */
    private static final Set<String> NODES_NAMED_BY_INSTANCE = Set.of("elasticsearch", "mongodb");

    private static final Path EXAMPLES = Distribution.PACKAGING.resolve("examples");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path dir;

    private static InstalledSteward launcher;

    @BeforeAll
    static void unpackTheTarball() throws Exception {
        launcher = InstalledSteward.shared();
    }

    /** examples/user-data/ENGINE[-VARIANT].json, each with examples/config/ENGINE.yml */
    static Stream<String> userDataExamples() throws IOException {
        return fileNames(EXAMPLES.resolve("user-data")).stream();
    }

    static Stream<String> cloudInitExamples() throws IOException {
        return fileNames(EXAMPLES.resolve("cloud-init")).stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("userDataExamples")
    void userDataExampleValidatesWithItsEnginesExampleConfiguration(String fileName) throws Exception {
        String engine = fileName.split("[-.]")[0];
        Path config = EXAMPLES.resolve("config").resolve(engine + ".yml");
        Path userData = EXAMPLES.resolve("user-data").resolve(fileName);

        InstalledSteward.CliRun validation = validate(config, userData);

        assertThat(validation.exitCode()).as(validation.err()).isZero();
        assertThat(validation.out())
                .contains("configuration OK: cluster " + expectedCluster(config, userData) + ", node "
                        + expectedNode(engine, userData) + ", engine " + engine);
    }

    /** A cloud-init example writes a configuration and the book's user data for bootstrap.sh: those two must agree. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cloudInitExamples")
    void cloudInitExampleWritesAConfigurationAndUserDataThatValidate(String fileName) throws Exception {
        String engine = fileName.replaceFirst("\\.yaml$", "");
        String text = Files.readString(EXAMPLES.resolve("cloud-init").resolve(fileName));
        assertThat(text)
                .as("cloud-init reads only documents with this first line")
                .startsWith("#cloud-config\n");
        JsonNode cloudConfig = YAML.readTree(text);
        Path config = dir.resolve("steward.yml");
        Files.writeString(config, writtenFile(cloudConfig, "/run/steward-bootstrap/steward.yml"));
        Path userData = dir.resolve("user-data.json");
        Files.writeString(userData, writtenFile(cloudConfig, "/run/steward-bootstrap/user-data.json"));

        InstalledSteward.CliRun validation = validate(config, userData);

        assertThat(validation.exitCode()).as(validation.err()).isZero();
        assertThat(validation.out()).contains("node " + expectedNode(engine, userData) + ", engine " + engine);
        String commands = cloudConfig.path("runcmd").toString();
        assertThat(commands)
                .contains(
                        "install-database.sh " + engine,
                        "bootstrap.sh --package",
                        "--config /run/steward-bootstrap/steward.yml",
                        "--user-data /run/steward-bootstrap/user-data.json");
    }

    @Test
    void everyEnginesExampleConfigurationHasUserDataAndACloudInitExample() throws IOException {
        Set<String> configured = fileNames(EXAMPLES.resolve("config")).stream()
                .map(name -> name.replaceFirst("\\.yml$", ""))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(configured).containsExactly("elasticsearch", "mongodb", "postgresql", "redis");
        assertThat(userDataExamples().map(name -> name.split("[-.]")[0]).collect(Collectors.toSet()))
                .isEqualTo(configured);
        assertThat(cloudInitExamples()
                        .map(name -> name.replaceFirst("\\.yaml$", ""))
                        .collect(Collectors.toSet()))
                .isEqualTo(configured);
    }

    @Test
    void userDataThatIsNotJsonIsRefusedWithWhereItBreaks() throws Exception {
        Path userData = dir.resolve("broken.json");
        Files.writeString(userData, "{\"name\": \"db01\", \"cluster\": \"db.example.net\",\n \"slow\": 500,\n");

        InstalledSteward.CliRun validation = validate(EXAMPLES.resolve("config/postgresql.yml"), userData);

        assertThat(validation.exitCode()).isEqualTo(2);
        assertThat(validation.err()).contains(userData.toString(), "expected valid JSON", "line 3");
        assertThat(validation.out()).isEmpty();
    }

    @Test
    void anUnknownUserDataKeyIsRefusedByName() throws Exception {
        Path userData = dir.resolve("misspelt.json");
        Files.writeString(userData, "{\"name\": \"db01\", \"clutser\": \"db.example.net\"}");

        InstalledSteward.CliRun validation = validate(EXAMPLES.resolve("config/postgresql.yml"), userData);

        assertThat(validation.exitCode()).isEqualTo(2);
        assertThat(validation.err()).contains("key 'clutser'", "db.example.net", "unknown user data key", "cluster");
    }

    @Test
    void theBooksMongodbVolumeSizeIsRefusedAsNotSteward() throws Exception {
        Path userData = dir.resolve("mongodb-sized.json");
        Files.writeString(userData, "{\"name\": \"mongodb\", \"size\": 100, \"role\": \"active\"}");

        InstalledSteward.CliRun validation = validate(EXAMPLES.resolve("config/mongodb.yml"), userData);

        assertThat(validation.exitCode()).isEqualTo(2);
        assertThat(validation.err()).contains("mongodb.size", "100");
    }

    /** The package's own /etc/steward/steward.yml: the unit's validation refuses it, so an unconfigured node never starts. */
    @Test
    void theShippedConfigurationTemplateIsRefusedUntilTheNodeIsConfigured() throws Exception {
        InstalledSteward.CliRun validation = validate(List.of(
                "validate-config",
                "--config",
                Distribution.PACKAGING.resolve("conf/steward.yml").toString(),
                "--set",
                "aws.imds=off"));

        assertThat(validation.exitCode()).isEqualTo(2);
        assertThat(validation.err()).contains("cluster", "engine", "zookeeper.connect");
    }

    private static InstalledSteward.CliRun validate(Path config, Path userData) throws Exception {
        return launcher.validateConfig(config, Optional.of(userData), ImdsStandIns.arguments());
    }

    private static InstalledSteward.CliRun validate(List<String> arguments) throws Exception {
        return launcher.run(arguments);
    }

    private static String expectedNode(String engine, Path userData) throws IOException {
        return NODES_NAMED_BY_INSTANCE.contains(engine)
                ? INSTANCE_ID
                : JSON.readTree(userData.toFile()).path("name").asText();
    }

    /** User data's cluster, else the configuration's, which wins over it. */
    private static String expectedCluster(Path config, Path userData) throws IOException {
        JsonNode fromConfig = YAML.readTree(config.toFile()).path("cluster");
        return fromConfig.isTextual()
                ? fromConfig.asText()
                : JSON.readTree(userData.toFile()).path("cluster").asText();
    }

    private static String writtenFile(JsonNode cloudConfig, String path) {
        for (JsonNode file : cloudConfig.path("write_files")) {
            if (file.path("path").asText().equals(path)) {
                return file.path("content").asText();
            }
        }
        throw new AssertionError("the cloud-init example writes no " + path);
    }

    private static List<String> fileNames(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }
}
