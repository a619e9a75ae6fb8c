package io.steward.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.steward.config.ConfigLoader;
import io.steward.it.packaging.DocumentedConfigurations.Block;
import io.steward.it.packaging.DocumentedConfigurations.Check;
import io.steward.it.packaging.DocumentedConfigurations.Kind;
import io.steward.settings.ConfigException;
import io.steward.settings.ConfigProblem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: every configuration key the binder accepts (the core's sections and every plugin's) is documented, and
 * every documented key is accepted. A key is documented when it is a key of a YAML block of README.md or docs/*.md
 * that {@link DocumentedConfigurationsTest} validates; a secret's inline key and its {@code _file} form count as one
 * (the README's "Secrets" paragraph gives the rule for all of them). Comments and prose do not count.
 *
 * <p>What the binder accepts is asked of the binder itself, never copied: each section of a validated block gets an
 * unknown key, and the binder's refusal lists the section's known keys (the very set {@code rejectUnknownKeys} checks
 * against). A known key that no block gives is then planted as a section, and as a list of sections, to find whether
 * it holds keys of its own. A key or section that the binder reads only when it is present (it asks {@code has}
 * first) and that no block gives stays unseen: the binder does not name it until it is there. A key the binder reads
 * only to refuse it, whatever its value (the problem says the allowed value is "nothing: ..."; e.g. the book's MongoDB
 * {@code size}), is not accepted.
 */
class DocumentedKeysTest {
    private static final String PROBE = "steward_docs_probe";
    /** A probe's key in a problem, with where its value came from: the section is the first group. */
    private static final Pattern PROBED = Pattern.compile("(?:(.*)\\.)?" + PROBE + "(?: \\(from .*\\))?");

    private static final String KNOWN_KEYS = "unknown key; known keys here: ";
    private static final String REFUSED = "nothing: ";
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    static Path dir;

    private static final List<Check> checks = new ArrayList<>();
    /** Section path ("" the top level, "a.b", "a.list[]" the items of a list) to the keys the binder reads there. */
    private static final Map<String, Set<String>> sections = new TreeMap<>();
    /** Keys the binder reads only to refuse any value. */
    private static final Set<String> refused = new TreeSet<>();

    @BeforeAll
    static void askTheBinderWhatEachDocumentedSectionAccepts() throws Exception {
        DocumentedConfigurations documented = new DocumentedConfigurations(
                new NodeFileStandIns(Files.createDirectory(dir.resolve("node-files"))),
                Files.createDirectory(dir.resolve("checked")));
        for (Block block : DocumentedConfigurations.blocks()) {
            if (block.kind() == Kind.WHOLE || block.kind() == Kind.FRAGMENT) {
                checks.add(documented.prepare(block));
            }
        }
        Map<String, Seed> seeds = new TreeMap<>();
        for (Check check : checks) {
            ObjectNode planted = read(check.config());
            plantEverywhere(planted);
            knownKeys(planted, check).forEach((section, keys) -> {
                sections.computeIfAbsent(section, any -> new TreeSet<>()).addAll(keys);
                seeds.putIfAbsent(section, new Seed(check, check.config()));
            });
        }
        discoverSectionsNoBlockGives(seeds);
    }

    @Test
    void everyKeyTheBinderAcceptsIsDocumented() {
        Set<String> documented = documentedKeys();
        Set<String> undocumented = acceptedKeys().stream()
                .filter(key -> !documented.contains(key) && !documented.contains(secretMate(key)))
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(undocumented)
                .as("keys the binder accepts that no YAML block of README.md or docs/*.md gives: document each "
                        + "(what it does, its default and unit) in a block")
                .isEmpty();
    }

    @Test
    void everyDocumentedKeyIsAccepted() {
        Set<String> notAccepted = new TreeSet<>(documentedKeys());
        notAccepted.removeAll(acceptedKeys());

        assertThat(notAccepted).as("documented keys the binder does not accept").isEmpty();
    }

    @Test
    void theBinderWasAskedAboutTheCoreAndEveryEngine() {
        assertThat(sections.get(""))
                .contains("cluster", "engine", "node", "zookeeper", "ha", "admin", "aws", "backup")
                .containsAll(DocumentedConfigurations.engineNames());
        assertThat(sections).containsKeys("aws.route53", "backup.store", "backup.wal", "zookeeper.tls");
    }

    private static Set<String> acceptedKeys() {
        Set<String> keys = new TreeSet<>();
        sections.forEach((section, known) -> known.forEach(key -> keys.add(path(section, key))));
        keys.removeAll(refused);
        return keys;
    }

    /** The keys of every validated block, down to sections' keys (the names in a map of values are not keys). */
    private static Set<String> documentedKeys() {
        Set<String> keys = new TreeSet<>();
        for (Check check : checks) {
            try {
                collectKeys(check.block().yaml(), "", keys);
            } catch (IOException e) {
                throw new AssertionError(check + " is no YAML", e);
            }
        }
        return keys;
    }

    private static void collectKeys(ObjectNode node, String section, Set<String> keys) {
        node.fields().forEachRemaining(field -> {
            String key = path(section, field.getKey());
            keys.add(key);
            if (field.getValue() instanceof ObjectNode object && sections.containsKey(key)) {
                collectKeys(object, key, keys);
            } else if (field.getValue() instanceof ArrayNode items && sections.containsKey(key + "[]")) {
                items.forEach(item -> {
                    if (item instanceof ObjectNode object) {
                        collectKeys(object, key + "[]", keys);
                    }
                });
            }
        });
    }

    /** {@code token} for {@code token_file} and the other way round. */
    private static String secretMate(String key) {
        return key.endsWith("_file") ? key.substring(0, key.length() - "_file".length()) : key + "_file";
    }

    /**
     * Every key a section accepts but no block gives may be a section itself: planted as one (and as a list of
     * them) over a block that has its parent, the binder says.
     */
    private static void discoverSectionsNoBlockGives(Map<String, Seed> seeds) throws IOException {
        Set<String> given = documentedKeys();
        Deque<String> candidates = new ArrayDeque<>();
        sections.forEach((section, known) -> known.stream()
                .map(key -> path(section, key))
                .filter(key -> !given.contains(key))
                .forEach(candidates::add));
        while (!candidates.isEmpty()) {
            String candidate = candidates.pop();
            String parent = parent(candidate);
            Seed seed = seeds.get(parent);
            for (String asPlanted : List.of(candidate, candidate + "[]")) {
                ObjectNode tree = read(seed.config());
                ObjectNode probe = YAML.createObjectNode().put(PROBE, 1);
                set(
                        tree,
                        candidate,
                        asPlanted.endsWith("[]") ? YAML.createArrayNode().add(probe) : probe);
                Optional<Set<String>> known =
                        Optional.ofNullable(knownKeys(tree, seed.check()).get(asPlanted));
                if (known.isPresent()) {
                    sections.put(asPlanted, new TreeSet<>(known.get()));
                    probe.remove(PROBE);
                    Path withSection = dir.resolve("seed-" + seeds.size() + ".yml");
                    YAML.writeValue(withSection.toFile(), tree);
                    seeds.put(asPlanted, new Seed(seed.check(), withSection));
                    known.get().forEach(key -> candidates.add(path(asPlanted, key)));
                    break;
                }
            }
            if (!sections.containsKey(candidate) && !sections.containsKey(candidate + "[]")) {
                ObjectNode tree = read(seed.config());
                set(tree, candidate, TextNode.valueOf(PROBE));
                if (refusesAnyValue(tree, seed.check(), candidate)) {
                    refused.add(candidate);
                }
            }
        }
    }

    /** Whether the binder refuses the key's value saying that nothing is allowed there. */
    private static boolean refusesAnyValue(ObjectNode tree, Check check, String key) throws IOException {
        return problems(tree, check).stream()
                .anyMatch(problem ->
                        problem.key().replaceFirst(" \\(from .*\\)$", "").equals(key)
                                && problem.allowed().startsWith(REFUSED));
    }

    /** A configuration that has a section, and the check whose user data goes with it. */
    private record Seed(Check check, Path config) {}

    /** Binds the tree with the check's user data; the known keys of every section where a probe was refused. */
    private static Map<String, Set<String>> knownKeys(ObjectNode tree, Check check) throws IOException {
        Map<String, Set<String>> known = new TreeMap<>();
        for (ConfigProblem problem : problems(tree, check)) {
            Matcher probed = PROBED.matcher(problem.key());
            if (probed.matches() && problem.allowed().startsWith(KNOWN_KEYS)) {
                String section = probed.group(1) == null ? "" : probed.group(1).replaceAll("\\[\\d+]", "[]");
                known.put(
                        section,
                        Set.of(problem.allowed().substring(KNOWN_KEYS.length()).split(", ")));
            }
        }
        known.values().forEach(keys -> assertThat(keys).doesNotContain("none", PROBE));
        return known;
    }

    /** The problems the binder finds in the tree, with the check's user data beneath it. */
    private static List<ConfigProblem> problems(ObjectNode tree, Check check) throws IOException {
        Path file = dir.resolve("probe.yml");
        YAML.writeValue(file.toFile(), tree);
        try {
            ConfigLoader.load(new ConfigLoader.Sources(Optional.of(file), check.userData(), false, Map.of(), Map.of()));
            return List.of();
        } catch (ConfigException e) {
            return e.problems();
        }
    }

    /** An unknown key in every section and list item of the tree, the top level included. */
    private static void plantEverywhere(ObjectNode tree) {
        List<JsonNode> children = new ArrayList<>();
        tree.elements().forEachRemaining(children::add);
        tree.put(PROBE, 1);
        for (JsonNode child : children) {
            if (child instanceof ObjectNode object) {
                plantEverywhere(object);
            } else if (child instanceof ArrayNode items) {
                items.forEach(item -> {
                    if (item instanceof ObjectNode object) {
                        plantEverywhere(object);
                    }
                });
            }
        }
    }

    /** Sets the value at a dotted path whose parent exists ({@code list[]} steps into a list's first item). */
    private static void set(ObjectNode tree, String keyPath, JsonNode value) {
        String[] steps = keyPath.split("\\.");
        JsonNode node = tree;
        for (String step : Arrays.copyOf(steps, steps.length - 1)) {
            node = step.endsWith("[]")
                    ? node.path(step.substring(0, step.length() - 2)).path(0)
                    : node.path(step);
        }
        ((ObjectNode) node).set(steps[steps.length - 1], value);
    }

    private static String parent(String keyPath) {
        int dot = keyPath.lastIndexOf('.');
        return dot < 0 ? "" : keyPath.substring(0, dot);
    }

    private static String path(String section, String key) {
        return section.isEmpty() ? key : section + "." + key;
    }

    private static ObjectNode read(Path file) throws IOException {
        return (ObjectNode) YAML.readTree(file.toFile());
    }
}
