package io.steward;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The import graph of the agent's main code, read from its sources: every reference to a type of another
 * {@code io.steward} package (an import, or a name written out in full), comments and text left out. No two packages
 * may depend on each other, however far round; and the HA loop decides without knowing the admin API that shows it.
 */
class PackageDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    /** A package name followed by a type name (capitalised), or by {@code *} in an import. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.steward(?:\\.[a-z_][\\w]*)*)\\.(?:[A-Z]|\\*)");
    /** Comments, text blocks, strings and characters, in the order Java reads them. */
    private static final Pattern NOT_CODE = Pattern.compile(
            "//[^\\n]*|/\\*.*?\\*/|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])*'", Pattern.DOTALL);

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        Map<String, Set<String>> graph = graph();
        assertThat(graph).as("the scan found the agent's packages").containsKeys("io.steward.ha", "io.steward.config");
        assertThat(cycles(graph)).as("package cycles in agent/src/main").isEmpty();
    }

    @Test
    void theHaLoopDoesNotKnowTheAdminApi() {
        assertThat(graph().getOrDefault("io.steward.ha", Set.of())).doesNotContain("io.steward.admin");
    }

    /** Each package of the main sources, with the other {@code io.steward} packages its code refers to. */
    static Map<String, Set<String>> graph() {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher declared = PACKAGE.matcher(source);
                if (!declared.find()) {
                    continue;
                }
                String own = declared.group(1);
                Set<String> uses = graph.computeIfAbsent(own, p -> new TreeSet<>());
                Matcher reference = REFERENCE.matcher(NOT_CODE.matcher(source).replaceAll(" "));
                while (reference.find()) {
                    if (!reference.group(1).equals(own)) {
                        uses.add(reference.group(1));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return graph;
    }

    /** The strongly connected groups of more than one package (Tarjan), each as the packages in it, sorted. */
    static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<Set<String>> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            if (!index.containsKey(start)) {
                connect(start, graph, index, low, stack, cycles);
            }
        }
        return cycles;
    }

    private static void connect(
            String node,
            Map<String, Set<String>> graph,
            Map<String, Integer> index,
            Map<String, Integer> low,
            Deque<String> stack,
            List<Set<String>> cycles) {
        index.put(node, index.size());
        low.put(node, index.get(node));
        stack.push(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            if (!index.containsKey(next)) {
                connect(next, graph, index, low, stack, cycles);
                low.put(node, Math.min(low.get(node), low.get(next)));
            } else if (stack.contains(next)) {
                low.put(node, Math.min(low.get(node), index.get(next)));
            }
        }
        if (low.get(node).equals(index.get(node))) {
            Set<String> group = new TreeSet<>();
            String member;
            do {
                member = stack.pop();
                group.add(member);
            } while (!member.equals(node));
            if (group.size() > 1) {
                cycles.add(group);
            }
        }
    }
}
