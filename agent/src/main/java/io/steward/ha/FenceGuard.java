package io.steward.ha;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Fences the local primary when the agent cannot: a tiny shell process, started while this node is primary, that
 * runs the engine's fence command unless the agent keeps telling it, through a pipe, how long the lease is still
 * provably ours. If the agent dies (the pipe closes) it fences at once; if the agent hangs (no renewal in time) it
 * fences when the last promised deadline runs out, which is always before the lease can pass to another node.
 */
public final class FenceGuard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FenceGuard.class);

    /** Reads deadlines (seconds) line by line; "disarm" ends it quietly; EOF or a missed deadline fences. */
    private static final String SCRIPT = String.join("\n",
            "deadline=$1; shift",
            "while IFS= read -r -t \"$deadline\" line; do",
            "  case \"$line\" in",
            "    disarm) exit 0 ;;",
            "    *) deadline=$line ;;",
            "  esac",
            "done",
            "echo \"$(date -Is) steward fence guard: the agent stopped renewing the lease; fencing with: $*\"",
            "exec \"$@\"");

    private final Process process;
    private final OutputStream control;

    private FenceGuard(Process process) {
        this.process = process;
        this.control = process.getOutputStream();
    }

    /**
     * Starts a guard that will run {@code fenceCommand} unless renewed within {@code initialDeadline}.
     *
     * @param logFile where the guard (and the fence command) write what they did
     */
    public static FenceGuard arm(List<String> fenceCommand, Duration initialDeadline, Path logFile) {
        List<String> command = new ArrayList<>(List.of("bash", "-c", SCRIPT, "steward-fence-guard", seconds(initialDeadline)));
        command.addAll(fenceCommand);
        try {
            Files.createDirectories(logFile.getParent());
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            log.info("fence guard armed (pid {}), fences with: {}", process.pid(), String.join(" ", fenceCommand));
            return new FenceGuard(process);
        } catch (IOException e) {
            throw new IllegalStateException("could not start the fence guard: " + e.getMessage(), e);
        }
    }

    /** Promises the lease for {@code validFor} more; the guard fences if no promise follows in time. */
    public synchronized void renew(Duration validFor) {
        send(seconds(validFor));
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Stops the guard without fencing (the node stopped being primary in an orderly way). */
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
        log.info("fence guard disarmed");
    }

    private void send(String line) {
        try {
            control.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            control.flush();
        } catch (IOException e) {
            log.warn("fence guard is not listening ({}); it has fenced or will fence", e.getMessage());
        }
    }

    private static String seconds(Duration duration) {
        // bash's read -t takes fractional seconds; 0 would mean "poll", so never go below a few milliseconds.
        return String.format(Locale.ROOT, "%.3f", Math.max(duration.toMillis(), 5) / 1000.0);
    }
}
