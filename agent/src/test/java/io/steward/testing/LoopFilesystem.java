package io.steward.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real XFS filesystem on a loop device, mounted under a temporary folder (tests run as root). {@link #close()}
 * thaws, unmounts, detaches and deletes, whatever state the test left it in.
 */
public final class LoopFilesystem implements AutoCloseable {
    /** The smallest size mkfs.xfs accepts. */
    public static final long SIZE_MIB = 300;

    private final Path image;
    private final String loopDevice;
    private final Path mountPoint;

    private LoopFilesystem(Path image, String loopDevice, Path mountPoint) {
        this.image = image;
        this.loopDevice = loopDevice;
        this.mountPoint = mountPoint;
    }

    /** A fresh, sparse image in {@code imageDir}, formatted and mounted at {@code mountPoint} (created if missing). */
    public static LoopFilesystem create(Path imageDir, Path mountPoint) throws IOException {
        Path image = Files.createTempFile(imageDir, "steward-fs-", ".img");
        run("truncate", "-s", SIZE_MIB + "M", image.toString());
        String device = run("losetup", "--find", "--show", image.toString()).strip();
        try {
            run("mkfs.xfs", "-q", "-f", device);
            Files.createDirectories(mountPoint);
            run("mount", "-t", "xfs", device, mountPoint.toString());
            return new LoopFilesystem(image, device, mountPoint);
        } catch (IOException | RuntimeException e) {
            quietly("losetup", "-d", device);
            Files.deleteIfExists(image);
            throw e;
        }
    }

    public Path mountPoint() {
        return mountPoint;
    }

    public String loopDevice() {
        return loopDevice;
    }

    public Path image() {
        return image;
    }

    /**
     * Whether the filesystem is frozen right now, asked without writing to it (a write would block): freezing a
     * frozen filesystem fails with "Device or resource busy"; an unfrozen one is frozen and at once thawed again.
     */
    public boolean frozen() throws IOException {
        Result freeze = exec("fsfreeze", "--freeze", mountPoint.toString());
        if (freeze.exitCode() == 0) {
            run("fsfreeze", "--unfreeze", mountPoint.toString());
            return false;
        }
        if (freeze.output().contains("Device or resource busy")) {
            return true;
        }
        throw new IOException("fsfreeze --freeze " + mountPoint + " failed: " + freeze.output());
    }

    @Override
    public void close() throws IOException {
        quietly("fsfreeze", "--unfreeze", mountPoint.toString());
        quietly("umount", mountPoint.toString());
        quietly("losetup", "-d", loopDevice);
        Files.deleteIfExists(image);
    }

    private record Result(int exitCode, String output) {}

    public static String run(String... command) throws IOException {
        Result result = exec(command);
        if (result.exitCode() != 0) {
            throw new IOException(
                    String.join(" ", command) + " failed (exit " + result.exitCode() + "): " + result.output());
        }
        return result.output();
    }

    private static void quietly(String... command) {
        try {
            exec(command);
        } catch (IOException ignored) {
            // cleanup goes on with the next step
        }
    }

    private static Result exec(String... command) throws IOException {
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command)))
                .redirectErrorStream(true)
                .start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 60 s");
            }
            return new Result(process.exitValue(), output);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command[0], e);
        }
    }
}
