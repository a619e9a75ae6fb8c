package io.steward.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.steward.cli.StewardCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Issue 17: every YAML block of the README and docs/*.md that configures {@code backup} passes
 * {@code steward validate-config}, written over its engine's example configuration and user data (the engine of the
 * block's own engine section, else PostgreSQL), so that what the documentation shows is what the agent reads.
 * Placeholders are left out: values such as {@code https://...}, and files that exist only on a node
 * ({@code password_file}: the example's own secret stays).
 */
class DocumentedBackupBlocksTest {
    private static final Path PROJECT = Distribution.PACKAGING.getParent();
    private static final Path EXAMPLES = Distribution.PACKAGING.resolve("examples");
    private static final List<String> ENGINES = List.of("postgresql", "redis", "mongodb", "elasticsearch");
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final List<String> IMDS_STAND_INS = List.of(
            "--set", "aws.imds=off",
            "--set", "node.instance_id=i-0123456789abcdef0",
            "--set", "node.availability_zone=eu-west-1a",
            "--set", "aws.region=eu-west-1",
            "--set", "node.host=10.0.0.5",
            "--set", "node.dns_name=ip-10-0-0-5.eu-west-1.compute.internal");

    @TempDir
    Path dir;

    /** A block where it is documented: the file and the line its YAML starts on. */
    record Block(String where, ObjectNode yaml) {
        @Override
        public String toString() {
            return where;
        }
    }

    static Stream<Block> backupBlocks() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(PROJECT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(PROJECT.resolve("docs"))) {
            docs.filter(file -> file.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        List<Block> blocks = new ArrayList<>();
        for (Path document : documents) {
            String text = Files.readString(document);
            Matcher block = YAML_BLOCK.matcher(text);
            while (block.find()) {
                JsonNode yaml = YAML.readTree(block.group(1));
                if (yaml instanceof ObjectNode object && object.has("backup")) {
                    int line = (int) text.substring(0, block.start()).lines().count() + 2;
                    blocks.add(new Block(PROJECT.relativize(document) + ":" + line, object));
                }
            }
        }
        return blocks.stream();
    }

    @Test
    void theDocumentationShowsTheBackupStore() throws IOException {
        assertThat(backupBlocks().map(Block::yaml))
                .anySatisfy(yaml -> assertThat(yaml.path("backup").has("store")).isTrue())
                .noneSatisfy(yaml -> assertThat(yaml.path("backup").path("wal").has("bucket"))
                        .isTrue());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backupBlocks")
    void aDocumentedBackupBlockValidatesOverItsEnginesExample(Block block) throws IOException {
        String engine = ENGINES.stream().filter(block.yaml()::has).findFirst().orElse("postgresql");
        ObjectNode config = (ObjectNode) YAML.readTree(
                EXAMPLES.resolve("config").resolve(engine + ".yml").toFile());
        merge(config, withoutPlaceholders(block.yaml().deepCopy()));
        Path file = dir.resolve("steward.yml");
        YAML.writeValue(file.toFile(), config);
        Path userData;
        try (Stream<Path> examples = Files.list(EXAMPLES.resolve("user-data"))) {
            userData = examples.filter(
                            example -> example.getFileName().toString().startsWith(engine))
                    .sorted()
                    .findFirst()
                    .orElseThrow();
        }
        List<String> arguments = new ArrayList<>(
                List.of("validate-config", "--config", file.toString(), "--user-data", userData.toString()));
        arguments.addAll(IMDS_STAND_INS);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new StewardCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        int exitCode = cli.execute(arguments.toArray(String[]::new));

        assertThat(exitCode)
                .as("%s over examples/config/%s.yml: %s", block, engine, err)
                .isZero();
        assertThat(out.toString()).contains("configuration OK", "engine " + engine);
    }

    private static ObjectNode withoutPlaceholders(ObjectNode node) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            if (value instanceof ObjectNode object) {
                withoutPlaceholders(object);
            } else if (value.isTextual()
                    && (value.asText().contains("...") || field.getKey().endsWith("_file"))) {
                fields.remove();
            }
        }
        return node;
    }

    private static void merge(ObjectNode target, ObjectNode source) {
        source.fields().forEachRemaining(field -> {
            if (target.get(field.getKey()) instanceof ObjectNode existing
                    && field.getValue() instanceof ObjectNode more) {
                merge(existing, more);
            } else {
                target.set(field.getKey(), field.getValue());
            }
        });
    }
}
