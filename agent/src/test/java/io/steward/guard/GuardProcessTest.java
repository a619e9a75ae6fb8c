package io.steward.guard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Runs the real guard process with a harmless fence command that leaves a mark. */
class GuardProcessTest {
    @TempDir
    Path dir;

    @Test
    void fencesWhenTheAgentStopsRenewing() {
        Path mark = dir.resolve("fenced");
        try (GuardProcess guard = GuardProcess.arm("test guard", List.of("touch", mark.toString()), Duration.ofMillis(300), dir.resolve("guard.log"))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(mark));
            assertThat(guard.alive()).isFalse();
        }
        assertThat(dir.resolve("guard.log")).content().contains("steward test guard: the agent went silent; running: touch");
    }

    @Test
    void renewalsKeepItQuietAndDisarmingEndsIt() throws InterruptedException {
        Path mark = dir.resolve("fenced");
        GuardProcess guard = GuardProcess.arm("test guard", List.of("touch", mark.toString()), Duration.ofMillis(400), dir.resolve("guard.log"));
        long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        while (System.nanoTime() < until) {
            guard.renew(Duration.ofMillis(400));
            Thread.sleep(100); // the agent's renewal cadence, not a wait for a condition
        }
        assertThat(mark).doesNotExist();
        guard.close();
        assertThat(guard.alive()).isFalse();
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(() -> !Files.exists(mark));
    }

    @Test
    void aPromiseOfMoreTimeIsHonoured() {
        Path mark = dir.resolve("fenced");
        try (GuardProcess guard = GuardProcess.arm("test guard", List.of("touch", mark.toString()), Duration.ofMillis(200), dir.resolve("guard.log"))) {
            guard.renew(Duration.ofSeconds(3));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> !Files.exists(mark));
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(mark));
        }
    }
}
