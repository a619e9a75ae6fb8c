package io.steward.it.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The tarball's {@code bin/steward}, unpacked into a folder and run as an operator runs it: a process of its own, with
 * {@code STEWARD_HOME} naming the unpacked folder and {@code STEWARD_JAVA} this JVM's java.
 */
final class ShippedLauncher {
    /**
     * What IMDS tells a node on EC2 (instance id, zone, region, private address and host name), for checks off EC2,
     * where IMDS is off. The keys are dotted, as {@code --set} takes them.
     */
    static final Map<String, String> IMDS_STAND_INS = standIns();

    private static final long TIMEOUT_SECONDS = 60;

    private final Path home;

    private ShippedLauncher(Path home) {
        this.home = home;
    }

    private static Map<String, String> standIns() {
        Map<String, String> standIns = new LinkedHashMap<>();
        standIns.put("aws.imds", "off");
        standIns.put("node.instance_id", "i-0123456789abcdef0");
        standIns.put("node.availability_zone", "eu-west-1a");
        standIns.put("aws.region", "eu-west-1");
        standIns.put("node.host", "10.0.0.5");
        standIns.put("node.dns_name", "ip-10-0-0-5.eu-west-1.compute.internal");
        return standIns;
    }

    /** The IMDS stand-ins as {@code --set key=value} arguments. */
    static List<String> imdsStandInArguments() {
        List<String> arguments = new ArrayList<>();
        IMDS_STAND_INS.forEach((key, value) -> arguments.addAll(List.of("--set", key + "=" + value)));
        return arguments;
    }

    /** Unpacks the tarball the build made (packaging/target) into {@code folder}. */
    static ShippedLauncher unpack(Path folder) throws IOException, InterruptedException {
        Path tarball = Distribution.tarball();
        Distribution.Result unpacked = Distribution.run(
                Duration.ofSeconds(TIMEOUT_SECONDS),
                "tar",
                "--extract",
                "--gzip",
                "--file",
                tarball.toString(),
                "--directory",
                folder.toString());
        if (unpacked.exitCode() != 0) {
            throw new IllegalStateException("could not unpack " + tarball + ": " + unpacked.output());
        }
        return new ShippedLauncher(
                folder.resolve(tarball.getFileName().toString().replaceFirst("\\.tar\\.gz$", "")));
    }

    /** How {@code steward ARGUMENTS} ended: its exit code, what it printed on stdout and on stderr. */
    record Run(int exitCode, String out, String err) {}

    Run run(List<String> arguments) throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(List.of(home.resolve("bin/steward").toString()));
        command.addAll(arguments);
        Path out = Files.createTempFile("steward-out-", ".txt");
        Path err = Files.createTempFile("steward-err-", ".txt");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            // set explicitly, whatever the launcher's own default: this is the folder the tarball was unpacked in
            builder.environment().put("STEWARD_HOME", home.toString());
            builder.environment()
                    .put(
                            "STEWARD_JAVA",
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString());
            Process process = builder.start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " did not end within " + TIMEOUT_SECONDS + " s");
            }
            return new Run(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }

    /** {@code steward validate-config --config CONFIG [--user-data USER_DATA] EXTRA...} */
    Run validateConfig(Path config, Optional<Path> userData, List<String> extra)
            throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("validate-config", "--config", config.toString()));
        userData.ifPresent(file -> arguments.addAll(List.of("--user-data", file.toString())));
        arguments.addAll(extra);
        return run(arguments);
    }
}
