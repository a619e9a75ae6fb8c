package io.steward.storage;

import io.steward.engine.support.ChildProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** util-linux {@code fsfreeze}, with a time limit on every call. */
final class Fsfreeze {
    private Fsfreeze() {}

    static void freeze(Path mountPoint, Duration timeout) {
        Result result = run(List.of("fsfreeze", "--freeze", mountPoint.toString()), timeout);
        if (result.exitCode() != 0) {
            throw new StorageException("cannot freeze " + mountPoint + ": " + result.output());
        }
    }

    /** Thaws; a filesystem that is not frozen ("Invalid argument") is thawed already, which is fine. */
    static void thaw(Path mountPoint, Duration timeout) {
        Result result = run(List.of("fsfreeze", "--unfreeze", mountPoint.toString()), timeout);
        if (result.exitCode() != 0 && !result.output().contains("Invalid argument")) {
            throw new StorageException("cannot thaw " + mountPoint + ": " + result.output());
        }
    }

    private record Result(int exitCode, String output) {}

    private static Result run(List<String> command, Duration timeout) {
        try {
            Process process =
                    ChildProcess.builder(command).redirectErrorStream(true).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return new Result(
                        -1, String.join(" ", command) + " did not finish within " + timeout.toSeconds() + " s");
            }
            return new Result(
                    process.exitValue(),
                    new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return new Result(-1, "cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted while running " + String.join(" ", command));
        }
    }
}
