package io.steward.engine.support;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The machine's memory, for engines that size the database from it (a cache's memory limit, a JVM's heap). */
public final class MachineMemory {
    private static final Pattern MEMINFO_TOTAL = Pattern.compile("MemTotal:\\s+(\\d+)\\s+kB");

    private MachineMemory() {}

    /** Physical memory in bytes: the kernel's MemTotal, else what the JVM sees. */
    public static long totalBytes() {
        try {
            Matcher m = MEMINFO_TOTAL.matcher(Files.readString(Path.of("/proc/meminfo")));
            if (m.find()) {
                return Long.parseLong(m.group(1)) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            // fall through to the JVM's view
        }
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }
}
