package io.steward.it.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Where the build put Steward's distributions (packaging/target, built before this module: it depends on the
 * packaging module) and their sources, and a way to run the system's commands on them.
 */
public final class Distribution {
    /** The packaging module's folder, set by the build. */
    public static final Path PACKAGING = folderFromProperty("steward.packaging");
    /** The systemd module's folder, set by the build. */
    public static final Path SYSTEMD = folderFromProperty("steward.systemd");

    private Distribution() {}

    private static Path folderFromProperty(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set (the build sets it)");
        }
        return Path.of(value).toAbsolutePath().normalize();
    }

    public static Path debianPackage() throws IOException {
        return theOnly("steward_*_all.deb");
    }

    public static Path tarball() throws IOException {
        return theOnly("steward-*.tar.gz");
    }

    /** The one build output matching the glob, failing with what is there instead. */
    private static Path theOnly(String glob) throws IOException {
        Path target = PACKAGING.resolve("target");
        List<Path> found;
        try (Stream<Path> files = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            found = files.filter(file -> target.getFileSystem()
                            .getPathMatcher("glob:" + glob)
                            .matches(file.getFileName()))
                    .toList();
        }
        if (found.size() != 1) {
            throw new IllegalStateException(
                    "expected one " + glob + " in " + target + " (built by mvn package in packaging/), found " + found);
        }
        return found.get(0);
    }

    /** Unpacks the tarball into {@code dir}; returns the folder it makes, which STEWARD_HOME names. */
    public static Path unpackTarball(Path dir) throws IOException, InterruptedException {
        Path tarball = tarball();
        Result unpacked = run(
                Duration.ofMinutes(1),
                "tar",
                "--extract",
                "--gzip",
                "--file",
                tarball.toString(),
                "--directory",
                dir.toString());
        if (unpacked.exitCode() != 0) {
            throw new IllegalStateException("cannot unpack " + tarball + ": " + unpacked.output());
        }
        return dir.resolve(tarball.getFileName().toString().replaceFirst("\\.tar\\.gz$", ""));
    }

    /** How a finished command ended: exit code and everything it printed (stdout and stderr together). */
    public record Result(int exitCode, String output) {}

    public static Result run(Duration timeout, List<String> command) throws IOException, InterruptedException {
        // a file, not a pipe: the time limit holds even for a command that never closes its output
        Path output = Files.createTempFile("steward-command-", ".out");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        command + " did not end within " + timeout + ": " + Files.readString(output));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.delete(output);
        }
    }

    public static Result run(Duration timeout, String... command) throws IOException, InterruptedException {
        return run(timeout, List.of(command));
    }
}
