package io.steward.engine.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ChildProcessTest {
    @Test
    void passesOnlyTheAllowListAndTheAdditions() {
        Map<String, String> agent = new TreeMap<>(Map.of(
                "PATH",
                "/usr/bin:/bin",
                "LANG",
                "C.UTF-8",
                "LC_MESSAGES",
                "C",
                "TZ",
                "UTC",
                "STEWARD_ADMIN_TOKEN",
                "secret-token",
                "STEWARD_ZOOKEEPER_DIGEST_PASSWORD",
                "zk-secret",
                "AWS_SECRET_ACCESS_KEY",
                "aws-secret",
                "HOME",
                "/root",
                "PGPASSWORD",
                "pg-secret"));

        Map<String, String> child = ChildProcess.environment(agent, Map.of("PGPASSFILE", "/tmp/steward-pw-1"));

        assertThat(child)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "PATH",
                        "/usr/bin:/bin",
                        "LANG",
                        "C.UTF-8",
                        "LC_MESSAGES",
                        "C",
                        "TZ",
                        "UTC",
                        "PGPASSFILE",
                        "/tmp/steward-pw-1"));
    }

    @Test
    void aChildOfAnAgentWithoutPathStillFindsItsPrograms() {
        assertThat(ChildProcess.environment(Map.of("AWS_ACCESS_KEY_ID", "id"), Map.of()))
                .containsExactly(Map.entry("PATH", ChildProcess.DEFAULT_PATH));
    }

    @Test
    void aRealChildSeesNothingOfThisProcessBeyondTheAllowList() throws IOException, InterruptedException {
        Process process = ChildProcess.builder(List.of("env", "-0"))
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).isZero();

        Set<String> names = java.util.Arrays.stream(output.split("\0"))
                .filter(line -> !line.isEmpty())
                .map(line -> line.substring(0, line.indexOf('=')))
                .collect(Collectors.toSet());
        assertThat(names)
                .contains("PATH")
                .allMatch(name -> Set.of("PATH", "LANG", "LANGUAGE", "TZ").contains(name) || name.startsWith("LC_"));
    }
}
