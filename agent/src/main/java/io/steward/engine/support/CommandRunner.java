package io.steward.engine.support;

import io.steward.engine.EngineException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Runs a database server's programs as the user that owns its data. Servers refuse to run as root (or should not),
 * so when the agent is root every program goes through {@code runuser}. Output goes to a file rather than a pipe: a
 * program that starts a server in the background leaves it holding the output, and a pipe would then never end.
 * Each program gets the {@link ChildProcess} allow-list environment plus what the caller adds for it.
 */
public final class CommandRunner {
    private static final int TAIL_LINES = 15;
    private static final long MAX_READ_BYTES = 64 * 1024;
    private static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);

    private final String osUser;
    private final boolean runningAsRoot;

    public CommandRunner(String osUser) {
        this.osUser = osUser;
        this.runningAsRoot = currentUid() == 0;
    }

    /** What a finished program printed, and how it ended. */
    public record Result(int exitCode, String output) {
        public boolean succeeded() {
            return exitCode == 0;
        }

        public String tail() {
            return CommandRunner.tail(output);
        }
    }

    /** The command line that runs {@code program} as the data directory's owner. */
    public List<String> asOsUser(List<String> program) {
        List<String> command = new ArrayList<>();
        if (runningAsRoot) {
            command.addAll(List.of("runuser", "-u", osUser, "--"));
        }
        command.addAll(program);
        return command;
    }

    /**
     * Runs the program, failing with the step's name and the end of its output unless it exits with 0.
     *
     * @param environment added to the allow-listed environment; never a secret itself (a child's environment is
     *        readable through the child), at most the path of a file that holds one
     */
    public Result runOrFail(String step, List<String> program, Map<String, String> environment, Duration timeout) {
        Result result = run(step, program, environment, timeout);
        if (!result.succeeded()) {
            throw new EngineException(step + " failed (exit code " + result.exitCode() + "): " + result.tail());
        }
        return result;
    }

    /**
     * {@link #runOrFail}, telling {@code lastLine} about every second what the program printed last (a progress
     * report), while it runs.
     */
    public Result runOrFail(
            String step,
            List<String> program,
            Map<String, String> environment,
            Duration timeout,
            Consumer<String> lastLine) {
        Result result = run(step, program, environment, timeout, lastLine);
        if (!result.succeeded()) {
            throw new EngineException(step + " failed (exit code " + result.exitCode() + "): " + result.tail());
        }
        return result;
    }

    /** Runs the program and returns how it ended; fails only when it cannot be started or does not finish. */
    public Result run(String step, List<String> program, Map<String, String> environment, Duration timeout) {
        return run(step, program, environment, timeout, line -> {});
    }

    private Result run(
            String step,
            List<String> program,
            Map<String, String> environment,
            Duration timeout,
            Consumer<String> lastLine) {
        Path output;
        try {
            output = Files.createTempFile("steward-cmd-", ".out");
        } catch (IOException e) {
            throw new EngineException(step + " failed: cannot create a file for its output: " + e.getMessage(), e);
        }
        try {
            return runInto(step, program, environment, timeout, output, true, lastLine);
        } finally {
            try {
                Files.deleteIfExists(output);
            } catch (IOException ignored) {
                // A leftover temporary file is harmless.
            }
        }
    }

    /**
     * Runs the program with its output appended to {@code outputFile}, which is kept (a server log). On failure
     * the message carries the last lines of that file.
     */
    public Result runAppendingTo(String step, List<String> program, Duration timeout, Path outputFile) {
        return runInto(step, program, Map.of(), timeout, outputFile, false, line -> {});
    }

    private Result runInto(
            String step,
            List<String> program,
            Map<String, String> environment,
            Duration timeout,
            Path outputFile,
            boolean truncate,
            Consumer<String> lastLine) {
        ProcessBuilder builder = ChildProcess.builder(asOsUser(program), environment)
                .directory(Path.of("/").toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(
                        truncate
                                ? ProcessBuilder.Redirect.to(outputFile.toFile())
                                : ProcessBuilder.Redirect.appendTo(outputFile.toFile()));
        long startOffset = truncate ? 0 : sizeOf(outputFile);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new EngineException(step + " failed: cannot run " + program.get(0) + ": " + e.getMessage(), e);
        }
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!process.waitFor(
                    Math.min(WATCH_INTERVAL.toNanos(), Math.max(0, deadline - System.nanoTime())),
                    TimeUnit.NANOSECONDS)) {
                if (System.nanoTime() - deadline >= 0) {
                    break;
                }
                lastLine(readFrom(outputFile, startOffset)).ifPresent(lastLine);
            }
            if (process.isAlive()) {
                process.destroyForcibly();
                throw new EngineException(step + " did not finish within " + timeout.toSeconds() + "s: "
                        + tail(readFrom(outputFile, startOffset)));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new EngineException(step + " was interrupted", e);
        }
        return new Result(process.exitValue(), readFrom(outputFile, startOffset));
    }

    /** The last line written so far, ended by a newline or (a redrawn progress report) a carriage return. */
    static Optional<String> lastLine(String output) {
        String[] lines = output.split("[\\r\\n]+");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return Optional.of(lines[i].strip());
            }
        }
        return Optional.empty();
    }

    /** The words as one POSIX shell command, each single-quoted. */
    public static String shellQuoted(List<String> words) {
        return words.stream()
                .map(word -> "'" + word.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
    }

    public static String tail(String output) {
        List<String> lines = output.strip().lines().toList();
        if (lines.isEmpty()) {
            return "(no output)";
        }
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }

    /** The last lines of a (log) file. */
    public static String tailOf(Path file) {
        return tail(readFrom(file, 0));
    }

    private static long sizeOf(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** What was written to the file after {@code offset}; only its end matters for messages, so at most 64 KiB. */
    private static String readFrom(Path file, long offset) {
        try (RandomAccessFile reader = new RandomAccessFile(file.toFile(), "r")) {
            long from = Math.max(offset, reader.length() - MAX_READ_BYTES);
            byte[] bytes = new byte[(int) Math.max(0, reader.length() - from)];
            reader.seek(from);
            reader.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }

    private static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name")) ? 0 : -1;
        }
    }
}
