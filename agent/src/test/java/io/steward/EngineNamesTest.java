package io.steward;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The core knows no engine: every database Steward runs comes from a plugin, so nothing under {@code agent/src/main}
 * (code, comments, resources) names one. A plugin added tomorrow then needs no change here.
 */
class EngineNamesTest {
    private static final Path MAIN = Path.of("src/main");
    private static final Pattern ENGINE =
            Pattern.compile("postgres|redis|mongo|elasticsearch|opensearch", Pattern.CASE_INSENSITIVE);

    @Test
    void nothingInTheCoreNamesAnEngine() {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher name = ENGINE.matcher(lines.get(i));
                    if (name.find()) {
                        found.add(MAIN.relativize(file) + ":" + (i + 1) + ": "
                                + lines.get(i).strip());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(found).as("engine names in agent/src/main").isEmpty();
    }
}
