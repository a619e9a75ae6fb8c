package io.steward.it.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.steward.engine.EnginePlugin;
import io.steward.plugins.EngineRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The fenced YAML and JSON blocks of README.md and docs/*.md, read at test time, and how each is checked as Steward
 * configuration, so that a documentation edit that breaks one fails the build. The convention (README, "Documentation
 * that is executed"):
 *
 * <ul>
 *   <li>A YAML block that names both {@code cluster} and {@code engine} is a <b>whole configuration</b>, validated as
 *       written.
 *   <li>Any other YAML block is a <b>fragment</b>, written over its engine's example node: the example configuration
 *       {@code packaging/examples/config/ENGINE.yml}, what IMDS tells on EC2 ({@link ImdsStandIns#VALUES}),
 *       then the block, with the engine's example user data ({@code ENGINE.json}, {@code ENGINE-primary.json} or
 *       {@code ENGINE-active.json}) beneath. The engine is the block's {@code engine}, else the engine whose section the
 *       block has, else PostgreSQL. Where the block gives a secret as a file ({@code token_file}) the example's inline
 *       form ({@code token}) gives way, and the other way round.
 *   <li>A JSON block is <b>user data</b>, validated with the example configuration of the page's engine
 *       ({@code docs/ENGINE.md}; PostgreSQL elsewhere) and the IMDS stand-ins.
 *   <li>Files that exist only on a node (keys ending {@code _file}, {@code trust_store}, {@code key_store}) are replaced
 *       by real files of the same kind ({@link NodeFileStandIns}).
 *   <li>A block that is not Steward configuration says so on the line before it:
 *       {@code <!-- not-config: REASON -->}; a marker without a reason is an error.
 * </ul>
 */
final class DocumentedConfigurations {
    static final Path PROJECT = Distribution.PACKAGING.getParent();
    static final Path EXAMPLES = Distribution.PACKAGING.resolve("examples");

    private static final Pattern FENCE = Pattern.compile("(?ms)^( *)```(yaml|yml|json)[ \\t]*\\n(.*?)^\\1```[ \\t]*$");
    private static final Pattern NOT_CONFIG = Pattern.compile("<!--\\s*not-config:(.*?)-->");
    private static final String DEFAULT_ENGINE = "postgresql";
    private static final YAMLMapper YAML = new YAMLMapper();

    enum Kind {
        WHOLE,
        FRAGMENT,
        USER_DATA,
        NOT_CONFIG
    }

    /**
     * A fenced block where it is documented.
     *
     * @param where the page and the line its text starts on, e.g. {@code README.md:178}
     * @param notConfig the reason given by a {@code not-config} marker; empty when unmarked
     */
    record Block(String where, Path page, String language, String text, Optional<String> notConfig) {
        Kind kind() throws IOException {
            if (notConfig.isPresent()) {
                return Kind.NOT_CONFIG;
            }
            if (language.equals("json")) {
                return Kind.USER_DATA;
            }
            JsonNode yaml = yaml();
            return yaml.has("cluster") && yaml.has("engine") ? Kind.WHOLE : Kind.FRAGMENT;
        }

        /** The block's YAML; an empty mapping when it holds none. */
        ObjectNode yaml() throws IOException {
            return YAML.readTree(text) instanceof ObjectNode object ? object : YAML.createObjectNode();
        }

        @Override
        public String toString() {
            return where;
        }
    }

    /**
     * What one block is validated as: a configuration file and user data, as {@code steward validate-config} takes
     * them, and the engine the validation names.
     */
    record Check(Block block, String engine, Path config, Optional<Path> userData) {
        @Override
        public String toString() {
            return block.where();
        }
    }

    private final NodeFileStandIns nodeFiles;
    private final Path folder;

    /** @param folder where the checked files are written */
    DocumentedConfigurations(NodeFileStandIns nodeFiles, Path folder) {
        this.nodeFiles = nodeFiles;
        this.folder = folder;
    }

    /** Every YAML and JSON block of README.md and docs/*.md, in page order. */
    static List<Block> blocks() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(PROJECT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(PROJECT.resolve("docs"))) {
            docs.filter(file -> file.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<Block> blocks = new ArrayList<>();
        for (Path page : pages) {
            String text = Files.readString(page);
            Matcher fence = FENCE.matcher(text);
            while (fence.find()) {
                String indent = fence.group(1);
                String content = fence.group(3).replaceAll("(?m)^" + indent, "");
                int line = (int) text.substring(0, fence.start()).lines().count() + 2;
                blocks.add(new Block(
                        PROJECT.relativize(page) + ":" + line,
                        page,
                        fence.group(2).replace("yml", "yaml"),
                        content,
                        notConfigMarker(text.substring(0, fence.start()))));
            }
        }
        return blocks;
    }

    /** The reason of a marker on the last line before the block that is not blank. */
    private static Optional<String> notConfigMarker(String before) {
        List<String> lines = before.lines().filter(line -> !line.isBlank()).toList();
        if (lines.isEmpty()) {
            return Optional.empty();
        }
        Matcher marker = NOT_CONFIG.matcher(lines.get(lines.size() - 1));
        return marker.find() ? Optional.of(marker.group(1).strip()) : Optional.empty();
    }

    /** Writes what the block is validated as; not for a block marked as not configuration. */
    Check prepare(Block block) throws IOException {
        String name = block.where().replaceAll("[^A-Za-z0-9]", "-");
        Path config = folder.resolve(name + ".yml");
        switch (block.kind()) {
            case WHOLE -> {
                ObjectNode yaml = block.yaml();
                write(config, withNodeFiles(yaml, ""));
                return new Check(block, yaml.path("engine").asText(), config, Optional.empty());
            }
            case FRAGMENT -> {
                ObjectNode yaml = block.yaml();
                String engine = fragmentEngine(yaml);
                ObjectNode tree = exampleNode(engine);
                merge(tree, yaml);
                write(config, withNodeFiles(tree, ""));
                return new Check(block, engine, config, Optional.of(userDataExample(engine)));
            }
            case USER_DATA -> {
                String engine = pageEngine(block.page());
                write(config, exampleNode(engine));
                Path userData = Files.writeString(folder.resolve(name + ".json"), block.text());
                return new Check(block, engine, config, Optional.of(userData));
            }
            default -> throw new IllegalArgumentException(block + " is marked as not configuration");
        }
    }

    /** The engine's example configuration with IMDS's answers. */
    private static ObjectNode exampleNode(String engine) throws IOException {
        ObjectNode tree = (ObjectNode) YAML.readTree(
                EXAMPLES.resolve("config").resolve(engine + ".yml").toFile());
        ObjectNode imds = YAML.createObjectNode();
        ImdsStandIns.VALUES.forEach((key, value) -> {
            String[] parts = key.split("\\.");
            imds.with(parts[0]).put(parts[1], value);
        });
        merge(tree, imds);
        return tree;
    }

    private static String fragmentEngine(ObjectNode yaml) {
        if (yaml.path("engine").isTextual()) {
            return yaml.path("engine").asText();
        }
        return engineNames().stream().filter(yaml::has).findFirst().orElse(DEFAULT_ENGINE);
    }

    private static String pageEngine(Path page) {
        String name = page.getFileName().toString().replaceFirst("\\.md$", "");
        return engineNames().contains(name) ? name : DEFAULT_ENGINE;
    }

    /** The shipped engine plugins' names, as their sections are named: those with an example configuration. */
    static List<String> engineNames() {
        return EngineRegistry.available().stream()
                .map(EnginePlugin::name)
                .map(name -> name.toLowerCase(Locale.ROOT))
                .filter(name -> Files.exists(EXAMPLES.resolve("config").resolve(name + ".yml")))
                .sorted()
                .toList();
    }

    /** The user data of the engine's example of a plain first node. */
    static Path userDataExample(String engine) {
        return Stream.of(engine + ".json", engine + "-primary.json", engine + "-active.json")
                .map(EXAMPLES.resolve("user-data")::resolve)
                .filter(Files::exists)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no user data example for " + engine));
    }

    /** The source merged into the target; a secret given one way replaces the target's other way. */
    private static void merge(ObjectNode target, ObjectNode source) {
        source.fields().forEachRemaining(field -> {
            String key = field.getKey();
            target.remove(key.endsWith("_file") ? key.substring(0, key.length() - "_file".length()) : key + "_file");
            if (target.get(key) instanceof ObjectNode existing && field.getValue() instanceof ObjectNode more) {
                merge(existing, more);
            } else {
                target.set(key, field.getValue().deepCopy());
            }
        });
    }

    /** The tree with every file that exists only on a node replaced by its stand-in. */
    private ObjectNode withNodeFiles(ObjectNode tree, String path) {
        for (Map.Entry<String, JsonNode> field : iterable(tree)) {
            String key = field.getKey();
            String keyPath = path.isEmpty() ? key : path + "." + key;
            JsonNode value = field.getValue();
            if (value instanceof ObjectNode object) {
                withNodeFiles(object, keyPath);
            } else if (value instanceof ArrayNode items) {
                items.forEach(item -> {
                    if (item instanceof ObjectNode object) {
                        withNodeFiles(object, keyPath + "[]");
                    }
                });
            } else if (NodeFileStandIns.namesANodeFile(key) && value.isTextual()) {
                Path standIn = nodeFiles
                        .forKey(key)
                        .orElseThrow(() -> new IllegalStateException(
                                keyPath + " names a node's file, but the test has no stand-in for its kind: add one"
                                        + " to NodeFileStandIns"));
                tree.set(key, TextNode.valueOf(standIn.toString()));
            }
        }
        return tree;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(ObjectNode tree) {
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        tree.fields().forEachRemaining(fields::add);
        return fields;
    }

    private static void write(Path file, JsonNode tree) throws IOException {
        YAML.writeValue(file.toFile(), tree);
    }
}
