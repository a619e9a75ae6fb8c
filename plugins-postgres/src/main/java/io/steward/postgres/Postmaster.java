package io.steward.postgres;

import io.steward.engine.EngineException;
import io.steward.engine.support.CommandRunner;
import io.steward.engine.support.DataDirectories;
import io.steward.engine.support.ServerProcesses;
import io.steward.files.FileOwner;
import io.steward.files.HeldDirectory;
import io.steward.files.UnsafeFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The postmaster of the data directory: whether it runs, starting it with {@code pg_ctl} (clearing what a killed one
 * left behind), stopping it cleanly, fencing it fast, and the command the fence guard runs without this JVM.
 */
final class Postmaster {
    private static final Logger log = LoggerFactory.getLogger(Postmaster.class);
    /** Covers crash recovery after an unclean stop, which pg_ctl start -w waits for. */
    static final Duration START_TIMEOUT = Duration.ofMinutes(10);

    private static final Duration FENCE_STEP_TIMEOUT = Duration.ofSeconds(5);
    /** A killed postmaster's children take a moment to notice and release shared memory. */
    private static final Duration SHARED_MEMORY_RELEASE_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration ORPHAN_EXIT_TIMEOUT = Duration.ofSeconds(5);
    private static final String POSTMASTER_PID = "postmaster.pid";

    private final PostgresSettings settings;
    private final CommandRunner runner;
    private final DataDirectory dataDirectory;
    private final Path serverLog;

    /** @param serverLog where the server's output goes, from its start on */
    Postmaster(PostgresSettings settings, CommandRunner runner, DataDirectory dataDirectory, Path serverLog) {
        this.settings = settings;
        this.runner = runner;
        this.dataDirectory = dataDirectory;
        this.serverLog = serverLog;
    }

    /**
     * The postmaster's own status line from postmaster.pid ("starting", "stopping", "ready", "standby"), when a
     * postmaster for this data directory is alive; empty when none is (a pid file left by a killed server counts
     * as none).
     */
    Optional<String> status() {
        List<String> lines;
        try (HeldDirectory dataDir = dataDirectory.open()) {
            Optional<String> pidFile = dataDir.readText(POSTMASTER_PID);
            if (pidFile.isEmpty()) {
                return Optional.empty();
            }
            lines = pidFile.get().lines().toList();
        } catch (IOException e) {
            return Optional.empty();
        }
        if (lines.isEmpty()) {
            // Being written right now by a starting postmaster.
            return Optional.of("starting");
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (!ServerProcesses.running(pid, "postgres")) {
            return Optional.empty();
        }
        return Optional.of(lines.size() >= 8 ? lines.get(7).strip() : "starting");
    }

    boolean alive() {
        return status().isPresent();
    }

    /** Starts the server with {@code pg_ctl start -w}: returns once it accepts connections, or throws. */
    void start(String step) {
        ensureSocketDirectory(step);
        try {
            Files.createDirectories(serverLog.getParent());
        } catch (IOException e) {
            throw new EngineException(step + ": cannot create " + serverLog.getParent() + ": " + e.getMessage(), e);
        }
        clearRemainsOfDeadPostmaster();
        long deadline = System.nanoTime() + SHARED_MEMORY_RELEASE_TIMEOUT.toNanos();
        while (true) {
            // The server's output goes to the log file: pg_ctl start -l would need the server's user to reach it.
            CommandRunner.Result result = runner.runAppendingTo(
                    step + ": pg_ctl start",
                    List.of(
                            settings.binary("pg_ctl").toString(),
                            "start",
                            "-D",
                            settings.dataDir().toString(),
                            "-w",
                            "-t",
                            Long.toString(START_TIMEOUT.toSeconds())),
                    START_TIMEOUT.plusSeconds(30),
                    serverLog);
            if (result.succeeded()) {
                return;
            }
            boolean oldChildrenStillAttached = result.output().contains("pre-existing shared memory block");
            if (!oldChildrenStillAttached || System.nanoTime() > deadline) {
                throw new EngineException(
                        step + ": pg_ctl start failed (exit code " + result.exitCode() + "): " + result.tail());
            }
            Polling.sleep(Polling.INTERVAL.multipliedBy(2));
        }
    }

    /** Stops a running server cleanly (a fast shutdown: its replicas receive everything it wrote first). */
    void stop() {
        if (!alive()) {
            return;
        }
        pgCtlStop("fast", settings.stopTimeout(), true);
    }

    /** A clean stop, or an immediate one when a clean stop fails: the data is about to be moved aside anyway. */
    void stopForcefully(String step) {
        try {
            stop();
        } catch (EngineException e) {
            log.warn("{}: clean stop failed, stopping immediately: {}", step, e.getMessage());
            pgCtlStop("immediate", FENCE_STEP_TIMEOUT, true);
        }
    }

    /** Stops the server from taking writes at once: a fast shutdown, or an immediate one if that does not finish. */
    void fence() {
        if (!alive()) {
            return;
        }
        log.warn("Fencing PostgreSQL in {}", settings.dataDir());
        CommandRunner.Result fast;
        try {
            fast = pgCtlStop("fast", FENCE_STEP_TIMEOUT, false);
        } catch (EngineException e) {
            fast = new CommandRunner.Result(-1, e.getMessage());
        }
        if (!fast.succeeded() && alive()) {
            log.warn("Fast shutdown did not finish ({}); stopping immediately", fast.tail());
            pgCtlStop("immediate", FENCE_STEP_TIMEOUT, true);
        }
    }

    /** The fence as one shell command line, run as the server's user by the fence guard. */
    List<String> fenceCommand() {
        String fast = CommandRunner.shellQuoted(runner.asOsUser(pgCtlStopCommand("fast", FENCE_STEP_TIMEOUT)));
        String immediate =
                CommandRunner.shellQuoted(runner.asOsUser(pgCtlStopCommand("immediate", FENCE_STEP_TIMEOUT)));
        return List.of("/bin/sh", "-c", fast + " || " + immediate);
    }

    private CommandRunner.Result pgCtlStop(String mode, Duration timeout, boolean failOnError) {
        List<String> command = pgCtlStopCommand(mode, timeout);
        String step = "pg_ctl stop -m " + mode;
        return failOnError
                ? runner.runOrFail(step, command, Map.of(), timeout.plusSeconds(10))
                : runner.run(step, command, Map.of(), timeout.plusSeconds(10));
    }

    private List<String> pgCtlStopCommand(String mode, Duration timeout) {
        return List.of(
                settings.binary("pg_ctl").toString(),
                "stop",
                "-D",
                settings.dataDir().toString(),
                "-m",
                mode,
                "-w",
                "-t",
                Long.toString(Math.max(1, timeout.toSeconds())));
    }

    /**
     * A snapshot of a running server holds its postmaster.pid, naming a process of the machine it was taken on.
     * Unless that process really is a server on this data directory, the file is stale here and is removed.
     */
    void forgetSnapshotted(String step) {
        try (HeldDirectory dataDir = dataDirectory.open()) {
            Optional<Long> pid = firstLine(dataDir, POSTMASTER_PID)
                    .filter(line -> line.matches("\\d+"))
                    .map(Long::parseLong);
            if (pid.isPresent()
                    && ServerProcesses.running(pid.get())
                    && workingDirectory(pid.get())
                            .filter(cwd -> cwd.equals(settings.dataDir().normalize()))
                            .isPresent()) {
                throw new EngineException(step + ": postmaster " + pid.get() + " is running on " + settings.dataDir());
            }
            dataDir.delete(POSTMASTER_PID);
            dataDir.delete("postmaster.opts");
        } catch (IOException e) {
            throw new EngineException(step + ": cannot remove the snapshot's postmaster.pid: " + e.getMessage(), e);
        }
    }

    /** The end of the server's log, for an error message. */
    String serverLogTail() {
        return Files.exists(serverLog) ? CommandRunner.tailOf(serverLog) : "(no server log yet)";
    }

    /**
     * Clears what a SIGKILLed postmaster leaves behind, which would otherwise keep a new one from starting for
     * seconds: its children linger until each notices (holding the shared memory), and the dead postmaster itself may
     * stay a zombie until its parent (often init) reaps it, which PostgreSQL takes for a live server. With the
     * postmaster gone its children can do nothing useful, so they are ended: every process of the server's binary
     * whose working directory is this data directory (PostgreSQL's processes all run there). Once none is left, a
     * lock file naming a dead or zombie postmaster is stale and is removed.
     */
    private void clearRemainsOfDeadPostmaster() {
        if (alive()) {
            return;
        }
        Path dataDir = settings.dataDir().toAbsolutePath().normalize();
        String binary = settings.binary("postgres").toString();
        List<ProcessHandle> orphans = ProcessHandle.allProcesses()
                .filter(p -> ServerProcesses.running(p.pid()))
                .filter(p -> p.info().command().filter(binary::equals).isPresent())
                .filter(p -> workingDirectory(p.pid()).filter(dataDir::equals).isPresent())
                .collect(Collectors.toList());
        if (!orphans.isEmpty()) {
            log.info("Ending {} leftover processes of a dead postmaster in {}", orphans.size(), dataDir);
            orphans.forEach(ProcessHandle::destroyForcibly);
            long deadline = System.nanoTime() + ORPHAN_EXIT_TIMEOUT.toNanos();
            while (orphans.stream().anyMatch(p -> ServerProcesses.running(p.pid()))) {
                if (System.nanoTime() > deadline) {
                    return; // pg_ctl will refuse and say why
                }
                Polling.sleep(Duration.ofMillis(10));
            }
        }
        removeStaleSocketLock();
        try (HeldDirectory data = dataDirectory.open()) {
            Optional<String> deadPid = firstLine(data, POSTMASTER_PID);
            if (deadPid.isPresent()) {
                removeStaleLockFile(data, POSTMASTER_PID, deadPid.get());
            }
        } catch (IOException e) {
            log.warn("Cannot check the stale postmaster.pid in {}: {}", dataDir, e.getMessage());
        }
    }

    /**
     * The socket's lock file names the postmaster that made it, and PostgreSQL refuses to start while that process
     * exists, a zombie included. It is judged by itself, not by the data directory's postmaster.pid: a data directory
     * cloned afresh (the old one lost) has none, yet the old server's lock file is still there. Stale when the process
     * it names runs no more.
     */
    private void removeStaleSocketLock() {
        String name = ".s.PGSQL." + settings.port() + ".lock";
        try (HeldDirectory sockets = HeldDirectory.open(settings.socketDir(), dataDirectory.osUser())) {
            Optional<String> pid = firstLine(sockets, name).filter(line -> line.matches("\\d+"));
            if (pid.isPresent() && !ServerProcesses.running(Long.parseLong(pid.get()))) {
                removeStaleLockFile(sockets, name, pid.get());
            }
        } catch (NoSuchFileException e) {
            // no socket directory: no lock file either
        } catch (IOException e) {
            log.warn("Cannot check the socket lock file in {}: {}", settings.socketDir(), e.getMessage());
        }
    }

    private static void removeStaleLockFile(HeldDirectory dir, String name, String deadPid) {
        if (firstLine(dir, name).filter(deadPid::equals).isPresent()) {
            try {
                dir.delete(name);
                log.info("Removed {}, left by dead postmaster {}", dir.path().resolve(name), deadPid);
            } catch (IOException e) {
                log.warn("Cannot remove the stale lock file {}: {}", dir.path().resolve(name), e.getMessage());
            }
        }
    }

    /** The first line of a file of the server's user in {@code dir}; empty when it is absent or refused. */
    private static Optional<String> firstLine(HeldDirectory dir, String name) {
        try {
            return dir.readText(name).flatMap(text -> text.lines().findFirst()).map(String::strip);
        } catch (IOException e) {
            log.debug("cannot read {}: {}", dir.path().resolve(name), e.getMessage());
            return Optional.empty();
        }
    }

    private static Optional<Path> workingDirectory(long pid) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"))
                    .normalize());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * PostgreSQL's socket directory ({@code postgresql.socket_dir}), where the server puts its socket and lock file:
     * created when missing, as the server's user's with mode 0755 (Debian's packages make /var/run/postgresql 2775
     * for the postgres group to share; this server needs no one else to write there). An existing one must be root's
     * or the server user's, reached by no link another user could have planted: anyone else could take the socket's
     * name, or have root clear a lock file of their choosing.
     */
    private void ensureSocketDirectory(String step) {
        Path socketDir = settings.socketDir();
        FileOwner user = dataDirectory.osUser();
        try (HeldDirectory existing = HeldDirectory.open(socketDir, user, Set.of(FileOwner.ROOT, user))) {
            return;
        } catch (NoSuchFileException e) {
            // made below
        } catch (UnsafeFileException e) {
            throw new EngineException(
                    step + ": refusing to start PostgreSQL with its socket in " + socketDir + ": " + e.getMessage()
                            + "; postgresql.socket_dir must be a directory of root or of " + user.name()
                            + " (give it to " + user.name() + ", or name another directory)",
                    e);
        } catch (IOException e) {
            throw new EngineException(
                    step + ": cannot open the socket directory " + socketDir + ": " + e.getMessage(), e);
        }
        try {
            DataDirectories.createOwned(socketDir, user, 0755).close();
        } catch (IOException e) {
            throw new EngineException(
                    step + ": cannot create the socket directory " + socketDir + ": " + e.getMessage(), e);
        }
    }
}
