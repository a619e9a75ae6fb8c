package io.steward.it.acceptance;

import io.steward.it.LocalCluster;
import io.steward.it.StewardCommand;
import io.steward.it.packaging.Distribution;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Steward as an operator installs it from the tarball: the unpacked folder, and its launcher {@code bin/steward} run
 * as a process of its own, with what it prints on stdout and stderr kept apart, as a shell would see them.
 */
public final class InstalledSteward {
    /** Generous: {@code steward restart} waits for the server to be back (up to 5 minutes) before it answers. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(7);

    private final Path home;

    private InstalledSteward(Path home) {
        this.home = home;
    }

    private static InstalledSteward shared;

    /**
     * One installation for every test of this JVM that only runs commands: unpacked at first use, removed when the
     * JVM ends.
     */
    public static synchronized InstalledSteward shared() throws IOException, InterruptedException {
        if (shared == null) {
            Path folder = Files.createTempDirectory("steward-installed-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    LocalCluster.deleteRecursively(folder);
                } catch (IOException e) {
                    // a temporary folder left behind is no reason to fail the run
                }
            }));
            shared = unpack(folder);
        }
        return shared;
    }

    /** Unpacks the tarball the build made into {@code folder}. */
    public static InstalledSteward unpack(Path folder) throws IOException, InterruptedException {
        return new InstalledSteward(Distribution.unpackTarball(folder));
    }

    public Path home() {
        return home;
    }

    public Path launcher() {
        return home.resolve("bin/steward");
    }

    /** What starts agents from this installation, for {@link io.steward.it.LocalCluster.Options#startedBy}. */
    public StewardCommand command() {
        return StewardCommand.installed(launcher());
    }

    /** How one command ended. */
    public record CliRun(int exitCode, String out, String err) {
        /** What a terminal would show: stdout, then stderr. */
        public String output() {
            return out + err;
        }

        /** For assertion messages: everything it printed. */
        public String transcript() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** {@code bin/steward ARGUMENTS}, with nothing on its stdin. */
    public CliRun run(String... arguments) throws IOException, InterruptedException {
        return run(List.of(arguments));
    }

    public CliRun run(List<String> arguments) throws IOException, InterruptedException {
        return run(Map.of(), "", arguments);
    }

    /** {@code steward validate-config --config CONFIG [--user-data USER_DATA] EXTRA...} */
    public CliRun validateConfig(Path config, Optional<Path> userData, List<String> extra)
            throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("validate-config", "--config", config.toString()));
        userData.ifPresent(file -> arguments.addAll(List.of("--user-data", file.toString())));
        arguments.addAll(extra);
        return run(arguments);
    }

    /**
     * @param environment added to this process's environment
     * @param stdin what the command reads, as an operator would type it (empty: nothing, at once end of input)
     */
    public CliRun run(Map<String, String> environment, String stdin, List<String> arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(launcher().toString());
        command.addAll(arguments);
        return runCommand(environment, stdin, command);
    }

    /** Any command, e.g. a shell that sources what {@code steward completion} printed. */
    public CliRun runCommand(Map<String, String> environment, String stdin, List<String> command)
            throws IOException, InterruptedException {
        // files, not pipes: the time limit holds even for a command that never closes its output
        Path out = Files.createTempFile("steward-out-", ".txt");
        Path err = Files.createTempFile("steward-err-", ".txt");
        Path in = Files.writeString(Files.createTempFile("steward-in-", ".txt"), stdin);
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(in.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " did not end within " + COMMAND_TIMEOUT + ": "
                        + Files.readString(out) + Files.readString(err));
            }
            return new CliRun(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.delete(out);
            Files.delete(err);
            Files.delete(in);
        }
    }
}
