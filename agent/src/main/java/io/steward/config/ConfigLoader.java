package io.steward.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.steward.config.NodeIdentityResolver.ImdsUnavailableException;
import io.steward.config.NodeIdentityResolver.NodeIdentity;
import io.steward.engine.EnginePlugin;
import io.steward.plugins.EngineRegistry;
import io.steward.settings.ConfigException;
import io.steward.settings.ConfigProblem;
import io.steward.settings.ConfigProblems;
import io.steward.settings.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Builds the one validated {@link StewardConfig} of an agent.
 *
 * <p>Sources, highest precedence first: {@code --set key=value} overrides, {@code STEWARD_*} environment variables,
 * the YAML config file, EC2 user data (the book's JSON), defaults. They are merged as Jackson trees and then bound
 * in one pass that collects every problem, so that one {@link ConfigException} names all of them.
 */
public final class ConfigLoader {

    /** Top-level sections owned by the core. */
    static final List<String> CORE_SECTIONS =
            List.of("node", "zookeeper", "ha", "admin", "aws", "bootstrap", "storage", "backup");
    /** Sections inside core sections, reachable from the environment as {@code STEWARD_AWS_ROUTE53_<KEY>}. */
    static final List<String> NESTED_SECTIONS =
            List.of("aws.route53", "aws.ec2", "aws.cloudwatch", "backup.store", "backup.snapshots", "backup.dumps");

    // Keys whose values must never appear in an error message. Broad on purpose, since a misspelt secret key
    // (admin.tokn) still holds a secret; a harmless value hidden by mistake costs little.
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(tok|pass|pwd|secret|cred|_key).*");
    private static final String ENV_PREFIX = "STEWARD_";
    /** Read by the steward launcher (packaging/bin/steward), not configuration; plugins' commands add their own. */
    static final Set<String> COMMAND_VARIABLES =
            Set.of("STEWARD_HOME", "STEWARD_JAVA", "STEWARD_JAVA_OPTS", "STEWARD_CLASSPATH", "STEWARD_SOCAT");

    /**
     * Where configuration comes from.
     *
     * @param configFile the YAML file; when given, it must exist
     * @param userDataFile EC2 user data (the book's JSON) saved in a file
     * @param userDataFromImds read EC2 user data from IMDS
     * @param environment the process environment; only {@code STEWARD_*} variables are read
     * @param overrides dotted keys to values, e.g. {@code ha.loop_wait -> 2s}; later entries win over earlier
     */
    public record Sources(
            Optional<Path> configFile,
            Optional<Path> userDataFile,
            boolean userDataFromImds,
            Map<String, String> environment,
            Map<String, String> overrides) {
        public Sources {
            environment = Map.copyOf(environment);
            overrides = Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
        }
    }

    /**
     * One source's tree, with where each of its values came from (dotted key to description) for error messages.
     *
     * @param readable false when the source could not be read at all; then keys missing elsewhere are most likely
     *        in it, and reporting them as missing would only bury the real problem
     */
    record Layer(ObjectNode tree, Map<String, String> origins, boolean readable) {
        static Layer empty() {
            return new Layer(JsonNodeFactory.instance.objectNode(), new LinkedHashMap<>(), true);
        }

        static Layer unreadable() {
            return new Layer(JsonNodeFactory.instance.objectNode(), new LinkedHashMap<>(), false);
        }

        void put(String dottedKey, JsonNode value, String origin) {
            ObjectNode parent = tree;
            String[] parts = dottedKey.split("\\.");
            for (int i = 0; i < parts.length - 1; i++) {
                JsonNode child = parent.get(parts[i]);
                parent = child instanceof ObjectNode object ? object : parent.putObject(parts[i]);
            }
            parent.set(parts[parts.length - 1], value);
            origins.put(dottedKey, origin);
        }
    }

    private ConfigLoader() {}

    /** @throws ConfigException naming every problem found in every source */
    public static StewardConfig load(Sources sources) {
        ConfigProblems problems = new ConfigProblems();
        List<EnginePlugin> plugins = EngineRegistry.available();
        Set<String> engineSections = engineSectionNames(plugins);

        Layer file =
                sources.configFile().map(path -> readConfigFile(path, problems)).orElseGet(Layer::empty);
        Layer environment = fromEnvironment(sources.environment(), engineSections, plugins, problems);
        Layer overrides = fromOverrides(sources.overrides(), problems);
        // user data means different things per engine, and never names the engine itself
        JsonNode engineNamed =
                merge(List.of(file, environment, overrides)).tree().path("engine");
        Optional<String> engine = engineNamed.isTextual() ? Optional.of(engineNamed.asText()) : Optional.empty();
        Layer userDataFile = sources.userDataFile()
                .map(path -> readText(path, "the user data file", problems)
                        .map(text -> UserData.translate(text, "user data file " + path, engine, plugins, problems))
                        .orElseGet(Layer::unreadable))
                .orElseGet(Layer::empty);
        // nothing to gain from asking IMDS (and waiting for it off EC2) when a named source is already unusable
        throwIfUnreadable(problems, userDataFile, file, environment, overrides);

        // IMDS settings are needed before user data, which may itself come from IMDS. User data sets only
        // aws.cloudwatch.monitoring, which IMDS does not need: the aws section is bound again, with it and with the
        // problems, once every source is merged.
        AwsConfig imds = ConfigBinder.aws(new Settings(
                "aws", merge(List.of(file, environment, overrides)).tree().path("aws"), new ConfigProblems()));
        if (sources.userDataFromImds() && sources.userDataFile().isPresent()) {
            problems.add("EC2 user data", "both a file and IMDS", "read user data from a file or from IMDS, not both");
        }
        if (sources.userDataFromImds() && imds.imds() == AwsConfig.ImdsMode.OFF) {
            problems.add("aws.imds", "off", "auto or on when user data is to be read from IMDS");
        }
        NodeIdentity identity = NodeIdentity.UNKNOWN;
        Layer userData = userDataFile;
        if (imds.imds() != AwsConfig.ImdsMode.OFF) {
            try (NodeIdentityResolver resolver = new NodeIdentityResolver(imds.imdsEndpoint(), imds.imdsTimeout())) {
                identity = resolver.identity();
                if (sources.userDataFromImds() && sources.userDataFile().isEmpty()) {
                    userData = resolver.userData()
                            .map(text -> UserData.translate(text, "EC2 user data", engine, plugins, problems))
                            .orElseGet(Layer::empty);
                }
            } catch (ImdsUnavailableException e) {
                if (imds.imds() == AwsConfig.ImdsMode.ON) {
                    problems.add(
                            "aws.imds",
                            "on",
                            "IMDS must answer when aws.imds is on, but " + e.getMessage()
                                    + "; use auto or off when not on EC2");
                } else if (sources.userDataFromImds()) {
                    problems.add(
                            "EC2 user data", "unreadable", "user data was to be read from IMDS, but " + e.getMessage());
                }
            }
        }
        throwIfUnreadable(problems, userData, file, environment, overrides);

        Layer merged = merge(List.of(userData, file, environment, overrides));
        AwsConfig aws = ConfigBinder.aws(new Settings("aws", merged.tree().path("aws"), problems));
        StewardConfig config = ConfigBinder.bind(merged.tree(), aws, identity, engineSections, plugins, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(explain(problems.list(), merged.origins()));
        }
        return config;
    }

    /** Binding what could be read would only add "missing" problems for keys that are most likely in the unreadable source. */
    private static void throwIfUnreadable(ConfigProblems problems, Layer... lowestFirst) {
        if (List.of(lowestFirst).stream().anyMatch(layer -> !layer.readable())) {
            throw new ConfigException(
                    explain(problems.list(), merge(List.of(lowestFirst)).origins()));
        }
    }

    /** Engine section names: one per installed plugin. */
    private static Set<String> engineSectionNames(List<EnginePlugin> plugins) {
        Set<String> names = new LinkedHashSet<>();
        for (EnginePlugin plugin : plugins) {
            names.add(plugin.name().toLowerCase(Locale.ROOT));
        }
        return names;
    }

    static Layer readConfigFile(Path path, ConfigProblems problems) {
        YAMLMapper yaml = new YAMLMapper();
        yaml.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        Optional<ObjectNode> tree = readText(path, "the configuration file", problems)
                .flatMap(text -> parseObject(yaml, text, path.toString(), "YAML", problems));
        if (tree.isEmpty()) {
            return Layer.unreadable();
        }
        Layer layer = new Layer(tree.get(), new LinkedHashMap<>(), true);
        recordLeaves(tree.get(), "", "config file " + path, layer.origins());
        return layer;
    }

    private static Optional<String> readText(Path path, String what, ConfigProblems problems) {
        if (!Files.exists(path)) {
            problems.add(path.toString(), null, what + " was named but does not exist");
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            problems.add(path.toString(), null, what + " cannot be read: " + e);
            return Optional.empty();
        }
    }

    /**
     * Parses text that must hold one mapping. Syntax errors are reported with position and the parser's own
     * words, without the parser's snippet of the text (which might show a secret).
     */
    static Optional<ObjectNode> parseObject(
            ObjectMapper mapper, String text, String source, String format, ConfigProblems problems) {
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            String position = e.getLocation() == null
                    ? "unknown position"
                    : "line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr();
            problems.add(source, position, "expected valid " + format + "; " + syntaxMessage(e.getOriginalMessage()));
            return Optional.empty();
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return Optional.of(JsonNodeFactory.instance.objectNode());
        }
        if (!node.isObject()) {
            String shown = node.toString();
            problems.add(
                    source,
                    shown.length() > 40 ? shown.substring(0, 40) + "..." : shown,
                    "expected a " + format + " mapping of keys to values at the top level");
            return Optional.empty();
        }
        return Optional.of((ObjectNode) node);
    }

    /** SnakeYAML's messages interleave the problem with indented excerpts of the text; keep only the problem. */
    private static String syntaxMessage(String original) {
        return original.lines()
                .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
                .collect(Collectors.joining("; "));
    }

    /**
     * {@code STEWARD_CLUSTER}, {@code STEWARD_ENGINE} and {@code STEWARD_<SECTION>_<KEY>} for the known sections;
     * the key is the rest of the name in lower case, so {@code STEWARD_HA_LOOP_WAIT} is {@code ha.loop_wait}.
     */
    static Layer fromEnvironment(
            Map<String, String> environment,
            Set<String> engineSections,
            List<EnginePlugin> plugins,
            ConfigProblems problems) {
        List<String> sections = new ArrayList<>(CORE_SECTIONS);
        sections.addAll(engineSections);
        sections.addAll(NESTED_SECTIONS);
        Set<String> commandVariables = new HashSet<>(COMMAND_VARIABLES);
        for (EnginePlugin plugin : plugins) {
            plugin.backupSections().forEach(section -> sections.add("backup." + section.name()));
            commandVariables.addAll(plugin.commandVariables());
        }
        Layer layer = Layer.empty();
        for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
            String name = variable.getKey();
            if (!name.startsWith(ENV_PREFIX) || commandVariables.contains(name)) {
                continue;
            }
            Optional<String> key = environmentKey(name.substring(ENV_PREFIX.length()), sections);
            if (key.isEmpty()) {
                // the value of a variable nobody reads is not worth the risk of printing a secret
                problems.add(
                        name,
                        "(value not shown)",
                        "unknown variable; Steward reads STEWARD_CLUSTER, STEWARD_ENGINE and "
                                + "STEWARD_<SECTION>_<KEY> with SECTION one of "
                                + sections.stream()
                                        .map(s -> s.toUpperCase(Locale.ROOT).replace('.', '_'))
                                        .collect(Collectors.joining(", ")));
            } else {
                layer.put(key.get(), TextNode.valueOf(variable.getValue()), "environment variable " + name);
            }
        }
        return layer;
    }

    private static Optional<String> environmentKey(String rest, List<String> sections) {
        if (rest.equals("CLUSTER") || rest.equals("ENGINE")) {
            return Optional.of(rest.toLowerCase(Locale.ROOT));
        }
        // longest prefix first: STEWARD_AWS_ROUTE53_TTL is aws.route53.ttl, not aws.route53_ttl
        List<String> longestFirst = sections.stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
        for (String section : longestFirst) {
            String prefix = section.toUpperCase(Locale.ROOT).replace('.', '_') + "_";
            if (rest.startsWith(prefix) && rest.length() > prefix.length()) {
                return Optional.of(
                        section + "." + rest.substring(prefix.length()).toLowerCase(Locale.ROOT));
            }
        }
        return Optional.empty();
    }

    static Layer fromOverrides(Map<String, String> overrides, ConfigProblems problems) {
        Layer layer = Layer.empty();
        for (Map.Entry<String, String> override : overrides.entrySet()) {
            String key = override.getKey().trim();
            if (key.isEmpty() || List.of(key.split("\\.", -1)).stream().anyMatch(String::isBlank)) {
                problems.add(
                        "--set " + override.getKey(),
                        override.getValue(),
                        "a dotted key and a value, e.g. --set ha.loop_wait=2s");
            } else {
                layer.put(key, TextNode.valueOf(override.getValue()), "--set " + key);
            }
        }
        return layer;
    }

    /** Deep merge, lowest precedence first: mappings merge key by key, anything else is replaced whole. */
    static Layer merge(List<Layer> lowestFirst) {
        Layer result = Layer.empty();
        for (Layer layer : lowestFirst) {
            mergeInto(result.tree(), layer.tree());
            result.origins().putAll(layer.origins());
        }
        return result;
    }

    private static void mergeInto(ObjectNode target, ObjectNode source) {
        for (Map.Entry<String, JsonNode> field : source.properties()) {
            JsonNode existing = target.get(field.getKey());
            if (existing instanceof ObjectNode existingObject && field.getValue() instanceof ObjectNode sourceObject) {
                mergeInto(existingObject, sourceObject);
            } else {
                target.set(field.getKey(), field.getValue().deepCopy());
            }
        }
    }

    private static void recordLeaves(JsonNode node, String path, String origin, Map<String, String> origins) {
        if (node.isObject() && !node.isEmpty()) {
            node.properties()
                    .forEach(field -> recordLeaves(
                            field.getValue(),
                            path.isEmpty() ? field.getKey() : path + "." + field.getKey(),
                            origin,
                            origins));
        } else if (!path.isEmpty()) {
            origins.put(path, origin);
        }
    }

    /** Names where each bad value came from, and hides the values of secrets. */
    private static List<ConfigProblem> explain(List<ConfigProblem> problems, Map<String, String> origins) {
        List<ConfigProblem> explained = new ArrayList<>();
        for (ConfigProblem problem : problems) {
            String value =
                    problem.value() != null && SECRET_KEY.matcher(problem.key()).matches() ? "***" : problem.value();
            String key = originOf(problem.key(), origins)
                    .map(origin -> problem.key() + " (from " + origin + ")")
                    .orElse(problem.key());
            explained.add(new ConfigProblem(key, value, problem.allowed()));
        }
        return explained;
    }

    /** The origin of the key itself, else of the nearest enclosing key, else of the first key inside it. */
    private static Optional<String> originOf(String key, Map<String, String> origins) {
        for (String candidate = key; !candidate.isEmpty(); candidate = parentKey(candidate)) {
            if (origins.containsKey(candidate)) {
                return Optional.of(origins.get(candidate));
            }
        }
        return origins.entrySet().stream()
                .filter(e -> e.getKey().startsWith(key + ".") || e.getKey().startsWith(key + "["))
                .map(Map.Entry::getValue)
                .findFirst();
    }

    private static String parentKey(String key) {
        int cut = Math.max(key.lastIndexOf('.'), key.lastIndexOf('['));
        return cut < 0 ? "" : key.substring(0, cut);
    }
}
