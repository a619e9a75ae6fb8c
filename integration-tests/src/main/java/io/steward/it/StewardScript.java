package io.steward.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@code steward} command for PostgreSQL's archive_command and restore_command, as packaging installs
 * /usr/bin/steward: a script running the CLI with this JVM's class path and a given configuration. PostgreSQL 15
 * cuts those commands at 1024 bytes, shorter than the class path, and runs them as user postgres, who cannot read
 * the build user's Maven repository: the jars from there are copied next to the script.
 */
public final class StewardScript {
    private StewardScript() {
    }

    /**
     * @param dir a folder user postgres can read
     * @param systemProperties e.g. the AWS test credentials
     * @return the script; call it as {@code <script> wal-push %p}
     */
    public static Path install(Path dir, Path config, Map<String, String> systemProperties) throws IOException {
        return install(dir, "steward", config, systemProperties);
    }

    /** Another script in the same folder, sharing its copies of the jars. */
    public static Path install(Path dir, String name, Path config, Map<String, String> systemProperties) throws IOException {
        String classPath = classPathReadableByPostgres(dir.resolve("classpath"));
        List<String> command = new ArrayList<>(List.of("exec", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dlogback.configurationFile=logback.xml",
                // PostgreSQL ends its archive command with SIGQUIT when it restarts; without -Xrs the JVM would only
                // print a thread dump and go on
                "-Xrs"));
        systemProperties.forEach((property, value) -> command.add("-D" + property + "=" + value));
        command.addAll(List.of("-cp", classPath, "io.steward.cli.Main", "\"$@\"", "--config", config.toString()));
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + String.join(" ", command) + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static String classPathReadableByPostgres(Path copies) throws IOException {
        Path home = Path.of(System.getProperty("user.home"));
        Files.createDirectories(copies);
        List<String> entries = new ArrayList<>();
        int index = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry).toAbsolutePath();
            if (!Files.exists(path)) {
                continue;
            }
            if (!path.startsWith(home)) {
                entries.add(path.toString());
            } else if (Files.isRegularFile(path)) {
                Path copy = copies.resolve(index++ + "-" + path.getFileName());
                if (!Files.exists(copy)) {
                    Files.copy(path, copy); // several scripts may share one folder and its copies
                }
                entries.add(copy.toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
