package io.steward.it;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code steward} command for PostgreSQL's archive_command and restore_command, as packaging installs
 * /usr/bin/steward: the packaged launcher ({@code packaging/bin/steward}, with its socat fast path to the agent) run
 * with this JVM's class path and a given configuration. PostgreSQL 15 cuts those commands at 1024 bytes, shorter
 * than the class path, and runs them as user postgres, who cannot read the build user's Maven repository: the jars
 * from there are copied next to the script.
 */
public final class StewardScript {
    /** Set by the build: the launcher in packaging/bin. */
    private static final String LAUNCHER_PROPERTY = "steward.launcher";

    private StewardScript() {}

    /**
     * @param dir a folder user postgres can read
     * @param systemProperties e.g. the AWS test credentials
     * @return the script; call it as {@code <script> wal-push %p}
     */
    public static Path install(Path dir, Path config, Map<String, String> systemProperties) throws IOException {
        return install(dir, "steward", config, systemProperties, Map.of());
    }

    /**
     * Another script in the same folder, sharing its copies of the jars.
     *
     * @param environment more variables for the launcher, e.g. {@code STEWARD_SOCAT=""} to leave the socket to Java
     */
    public static Path install(
            Path dir, String name, Path config, Map<String, String> systemProperties, Map<String, String> environment)
            throws IOException {
        String launcherPath = System.getProperty(LAUNCHER_PROPERTY);
        if (launcherPath == null) {
            throw new IllegalStateException(
                    "system property " + LAUNCHER_PROPERTY + " (the packaged steward launcher) is not set");
        }
        Path launcher = dir.resolve("steward-launcher");
        Files.copy(Path.of(launcherPath), launcher, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put(
                "STEWARD_JAVA",
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        variables.put("STEWARD_CLASSPATH", classPathReadableByPostgres(dir.resolve("classpath")));
        List<String> options = new ArrayList<>(List.of("-Dlogback.configurationFile=logback.xml"));
        systemProperties.forEach((property, value) -> options.add("-D" + property + "=" + value));
        variables.put("STEWARD_JAVA_OPTS", String.join(" ", options));
        variables.putAll(environment);
        StringBuilder script = new StringBuilder("#!/bin/sh\n");
        variables.forEach((variable, value) -> script.append(variable)
                .append("='")
                .append(value)
                .append("'\n")
                .append("export ")
                .append(variable)
                .append("\n"));
        script.append("exec ")
                .append(launcher)
                .append(" \"$@\" --config ")
                .append(config)
                .append("\n");
        Path path = dir.resolve(name);
        Files.writeString(path, script);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
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
