package io.steward.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real guard process with a harmless fence command that leaves a mark. */
@Tag("servers")
class GuardProcessTest {
    @TempDir
    Path dir;

    @Test
    void fencesWhenTheAgentStopsRenewing() {
        Path mark = dir.resolve("fenced");
        try (GuardProcess guard = GuardProcess.arm(
                "test guard", List.of("touch", mark.toString()), Duration.ofMillis(300), dir.resolve("guard.log"))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(mark));
            // touch makes the mark before it exits, and the JVM notices the exit a moment later
            await().atMost(Duration.ofSeconds(10)).until(() -> !guard.alive());
        }
        assertThat(dir.resolve("guard.log"))
                .content()
                .contains("steward test guard: the agent went silent; running: touch");
    }

    @Test
    void renewalsKeepItQuietAndDisarmingEndsIt() throws InterruptedException {
        Path mark = dir.resolve("fenced");
        // each promise lasts 2 s, renewed every 100 ms: only a stall of nearly 2 s would let the guard act
        GuardProcess guard = GuardProcess.arm(
                "test guard", List.of("touch", mark.toString()), Duration.ofSeconds(2), dir.resolve("guard.log"));
        long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        while (System.nanoTime() < until) {
            guard.renew(Duration.ofSeconds(2));
            Thread.sleep(100); // the agent's renewal cadence, not a wait for a condition
        }
        assertThat(mark).doesNotExist();
        guard.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> !guard.alive());
        assertThat(mark).as("disarmed, not fired").doesNotExist();
    }

    @Test
    void aPromiseOfMoreTimeIsHonoured() {
        Path mark = dir.resolve("fenced");
        try (GuardProcess guard = GuardProcess.arm(
                "test guard", List.of("touch", mark.toString()), Duration.ofSeconds(1), dir.resolve("guard.log"))) {
            guard.renew(Duration.ofSeconds(5));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> !Files.exists(mark));
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(mark));
        }
    }
}
