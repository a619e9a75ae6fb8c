package io.steward.it;

import java.nio.file.Path;
import java.util.List;

/**
 * How a test starts the {@code steward} command: with this JVM's class path (what most tests do: the classes just
 * built), or through an installed launcher such as the unpacked tarball's {@code bin/steward} (what the acceptance
 * tests do: what an operator runs).
 *
 * @param prefix the command line up to the subcommand
 */
public record StewardCommand(List<String> prefix) {
    public StewardCommand {
        prefix = List.copyOf(prefix);
    }

    public static StewardCommand fromClassPath() {
        return new StewardCommand(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                // The agent's own logging, not the tests' (both are on this class path).
                "-Dlogback.configurationFile=logback.xml",
                "-cp",
                System.getProperty("java.class.path"),
                "io.steward.cli.StewardCli"));
    }

    public static StewardCommand installed(Path launcher) {
        return new StewardCommand(List.of(launcher.toString()));
    }
}
