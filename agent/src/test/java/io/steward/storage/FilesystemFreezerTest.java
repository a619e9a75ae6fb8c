package io.steward.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.steward.testing.LoopFilesystem;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fsfreeze on real loop-mounted XFS filesystems (the tests run as root). */
@Tag("root")
class FilesystemFreezerTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private LoopFilesystem first;
    private LoopFilesystem second;
    private final MetricRegistry registry = new MetricRegistry();

    @BeforeEach
    void mount() throws IOException {
        first = LoopFilesystem.create(dir, dir.resolve("first"));
        second = LoopFilesystem.create(dir, dir.resolve("second"));
    }

    @AfterEach
    void unmount() throws IOException {
        second.close();
        first.close();
    }

    private FilesystemFreezer freezer(Duration timeout) {
        return new FilesystemFreezer(
                timeout, List.of(dir.resolve("protected")), dir.resolve("thaw-guard.log"), registry);
    }

    /** Writes and fsyncs a file on another thread: it cannot finish while the filesystem is frozen. */
    private static CompletableFuture<Void> write(LoopFilesystem filesystem, String name) {
        return CompletableFuture.runAsync(
                () -> {
                    try {
                        Path file = filesystem.mountPoint().resolve(name);
                        Files.writeString(
                                file,
                                "written",
                                StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE,
                                StandardOpenOption.SYNC);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                },
                runnable -> new Thread(runnable, "writer-" + name).start());
    }

    @Test
    void aWriteIssuedWhileFrozenCompletesOnlyAfterTheThaw() throws Exception {
        AtomicReference<CompletableFuture<Void>> writer = new AtomicReference<>();
        try (FilesystemFreezer freezer = freezer(Duration.ofSeconds(30))) {
            Frozen<String> result = freezer.whileFrozen(List.of(second.mountPoint(), first.mountPoint()), () -> {
                assertThat(first.frozen()).isTrue();
                assertThat(second.frozen()).isTrue();
                writer.set(write(first, "during"));
                await().during(Duration.ofMillis(300))
                        .atMost(Duration.ofSeconds(5))
                        .until(() -> !writer.get().isDone());
                return "snapshots pending";
            });

            assertThat(result.value()).isEqualTo("snapshots pending");
            assertThat(result.frozenFor()).isPositive();
        }
        writer.get().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(first.mountPoint().resolve("during")).hasContent("written");
        assertThat(first.frozen()).isFalse();
        assertThat(second.frozen()).isFalse();
        assertThat(registry.timer(FilesystemFreezer.FROZEN).getCount()).isEqualTo(1);
    }

    @Test
    void theActionsFailureStillThaws() throws IOException {
        try (FilesystemFreezer freezer = freezer(Duration.ofSeconds(30))) {
            assertThatThrownBy(() -> freezer.whileFrozen(List.of(first.mountPoint()), () -> {
                        throw new IOException("CreateSnapshot refused");
                    }))
                    .hasMessage("CreateSnapshot refused");
        }
        assertThat(first.frozen()).isFalse();
    }

    @Test
    void aHangingActionIsThawedByTheWatchdogWhileItStillHangs() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (FilesystemFreezer freezer = freezer(Duration.ofMillis(500))) {
            CompletableFuture<Frozen<Boolean>> hanging = CompletableFuture.supplyAsync(() -> {
                try {
                    return freezer.whileFrozen(List.of(first.mountPoint()), () -> {
                        entered.countDown();
                        return release.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(entered.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> writer = write(first, "unblocked");

            writer.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(hanging).as("the action still hangs").isNotDone();
            // the watchdog counts its thaw once fsfreeze has returned, which the writer can beat by a moment
            await().atMost(PATIENCE)
                    .untilAsserted(() -> assertThat(watchdogThaws()).isEqualTo(1));
            assertThat(hanging).as("the action still hangs").isNotDone();

            release.countDown();
            assertThat(hanging)
                    .failsWithin(PATIENCE)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withMessageContaining("took longer than freeze_timeout");
        }
        assertThat(first.frozen()).isFalse();
    }

    @Test
    void twentyInjectedFailuresLeaveNothingFrozen() throws Exception {
        // the refused freeze gets a long timeout: its thaw guard, acting late, would thaw what the test froze itself
        try (FilesystemFreezer freezer = freezer(Duration.ofMillis(300));
                FilesystemFreezer patient = freezer(PATIENCE)) {
            for (int round = 0; round < 20; round++) {
                switch (round % 3) {
                    case 0 ->
                        assertThatThrownBy(() ->
                                        freezer.whileFrozen(List.of(first.mountPoint(), second.mountPoint()), () -> {
                                            throw new IllegalStateException("injected");
                                        }))
                                .hasMessage("injected");
                    case 1 -> {
                        // the second filesystem is already frozen by someone else: freezing it fails, the first is
                        // thawed
                        LoopFilesystem.run(
                                "fsfreeze", "--freeze", second.mountPoint().toString());
                        try {
                            assertThatThrownBy(() -> patient.whileFrozen(
                                            List.of(first.mountPoint(), second.mountPoint()), () -> "never"))
                                    .isInstanceOf(StorageException.class)
                                    .hasMessageContaining("cannot freeze");
                        } finally {
                            LoopFilesystem.run(
                                    "fsfreeze",
                                    "--unfreeze",
                                    second.mountPoint().toString());
                        }
                    }
                    default -> {
                        // the action hangs until the watchdog has thawed behind its back
                        long before = watchdogThaws();
                        assertThatThrownBy(() ->
                                        freezer.whileFrozen(List.of(first.mountPoint(), second.mountPoint()), () -> {
                                            await().atMost(PATIENCE).until(() -> watchdogThaws() > before);
                                            return null;
                                        }))
                                .isInstanceOf(StorageException.class);
                    }
                }
                assertThat(first.frozen()).as("round %d", round).isFalse();
                assertThat(second.frozen()).as("round %d", round).isFalse();
            }
        }
    }

    private long watchdogThaws() {
        return registry.counter(FilesystemFreezer.WATCHDOG_THAWS).getCount();
    }

    @Test
    void theGuardProcessThawsWhenTheFreezingJvmIsKilled() throws Exception {
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        FreezingChild.class.getName(),
                        first.mountPoint().toString(),
                        dir.resolve("child-guard.log").toString())
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.equals("frozen"));
            assertThat(line).as("the child froze the filesystem").isEqualTo("frozen");
            assertThat(first.frozen()).isTrue();

            child.destroyForcibly();
            child.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            write(first, "after-kill").get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } finally {
            child.destroyForcibly();
        }
        assertThat(dir.resolve("child-guard.log")).content().contains("steward thaw guard: the agent went silent");
        assertThat(first.frozen()).isFalse();
    }

    @Test
    void rootProtectedFilesystemsAndPlainDirectoriesAreRefusedAndNothingIsFrozen() throws IOException {
        Path plainDirectory = Files.createDirectories(first.mountPoint().resolve("not-a-mount"));
        try (FilesystemFreezer freezer = freezer(Duration.ofSeconds(30));
                FilesystemFreezer protecting = new FilesystemFreezer(
                        Duration.ofSeconds(30),
                        List.of(first.mountPoint().resolve("agent.log")),
                        dir.resolve("guard.log"),
                        registry)) {
            assertThatThrownBy(() -> freezer.whileFrozen(List.of(Path.of("/")), () -> null))
                    .hasMessageContaining("refusing to freeze /");
            assertThatThrownBy(() -> freezer.whileFrozen(List.of(second.mountPoint(), plainDirectory), () -> null))
                    .hasMessageContaining(plainDirectory + " is not a mount point");
            assertThatThrownBy(
                            () -> protecting.whileFrozen(List.of(second.mountPoint(), first.mountPoint()), () -> null))
                    .hasMessageContaining("refusing to freeze " + first.mountPoint());
            assertThatThrownBy(() -> freezer.whileFrozen(List.of(), () -> null)).hasMessage("nothing to freeze");
        }
        assertThat(first.frozen()).isFalse();
        assertThat(second.frozen()).isFalse();
    }
}
