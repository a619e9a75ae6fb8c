package io.steward.guard;

import io.steward.engine.support.ChildProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Does what the agent must get done even if it dies or hangs: a tiny shell process that runs a command unless the
 * agent keeps telling it, through a pipe, that it need not yet. If the agent dies (the pipe closes) it runs the
 * command at once; if the agent hangs (no renewal in time) it runs it when the last promised deadline runs out.
 * The fence guard stops a primary that can no longer prove its lease; the thaw guard thaws frozen filesystems.
 */
public final class GuardProcess implements Guard {
    private static final Logger log = LoggerFactory.getLogger(GuardProcess.class);

    /** Reads deadlines (seconds) line by line; "disarm" ends it quietly; EOF or a missed deadline runs the command. */
    private static final String SCRIPT = String.join(
            "\n",
            "name=$1; deadline=$2; shift 2",
            "while IFS= read -r -t \"$deadline\" line; do",
            "  case \"$line\" in",
            "    disarm) exit 0 ;;",
            "    *) deadline=$line ;;",
            "  esac",
            "done",
            "echo \"$(date -Is) steward $name: the agent went silent; running: $*\"",
            "exec \"$@\"");

    private final String name;
    private final Process process;
    private final OutputStream control;

    private GuardProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.control = process.getOutputStream();
    }

    /**
     * Starts a guard that will run {@code action} unless renewed within {@code initialDeadline}.
     *
     * @param name what the guard is, for its log lines ("fence guard")
     * @param logFile where the guard (and the action) write what they did
     * @throws GuardException when the guard cannot be started
     */
    public static GuardProcess arm(String name, List<String> action, Duration initialDeadline, Path logFile) {
        List<String> command =
                new ArrayList<>(List.of("bash", "-c", SCRIPT, "steward-guard", name, seconds(initialDeadline)));
        command.addAll(action);
        try {
            Files.createDirectories(logFile.getParent());
            Process process = ChildProcess.builder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            log.info("{} armed (pid {}), would run: {}", name, process.pid(), String.join(" ", action));
            return new GuardProcess(name, process);
        } catch (IOException | RuntimeException e) {
            throw new GuardException("could not start the " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void renew(Duration validFor) {
        send(seconds(validFor));
    }

    @Override
    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public synchronized void close() {
        send("disarm");
        try {
            control.close();
        } catch (IOException e) {
            // the guard is gone already
        }
        try {
            if (!process.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        log.info("{} disarmed", name);
    }

    private void send(String line) {
        try {
            control.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            control.flush();
        } catch (IOException e) {
            log.warn("{} is not listening ({}); it has acted or will act", name, e.getMessage());
        }
    }

    private static String seconds(Duration duration) {
        // bash's read -t takes fractional seconds; 0 would mean "poll", so never go below a few milliseconds.
        return String.format(Locale.ROOT, "%.3f", Math.max(duration.toMillis(), 5) / 1000.0);
    }
}
