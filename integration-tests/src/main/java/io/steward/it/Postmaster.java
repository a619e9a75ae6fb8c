package io.steward.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A PostgreSQL server's main process, as tests see it from outside. */
public final class Postmaster {
    private Postmaster() {}

    /** The postmaster's pid from {@code postmaster.pid}, when the server runs. */
    public static Optional<Long> pid(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile);
        // a postmaster killed by a signal leaves its pid file behind: only a live process counts
        return lines.isEmpty()
                ? Optional.empty()
                : Optional.of(Long.parseLong(lines.get(0).trim()))
                        .filter(pid -> ProcessHandle.of(pid)
                                .map(ProcessHandle::isAlive)
                                .orElse(false));
    }

    /** SIGKILL, as the OOM killer would. */
    public static void kill(long pid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start().waitFor();
    }
}
