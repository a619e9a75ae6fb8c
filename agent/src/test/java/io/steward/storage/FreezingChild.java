package io.steward.storage;

import com.codahale.metrics.MetricRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Run as its own JVM by {@link FilesystemFreezerTest}: freezes a filesystem, says so, and hangs until killed. */
public final class FreezingChild {
    private FreezingChild() {}

    public static void main(String[] args) throws Exception {
        Path mountPoint = Path.of(args[0]);
        FilesystemFreezer freezer =
                new FilesystemFreezer(Duration.ofMinutes(10), List.of(), Path.of(args[1]), new MetricRegistry());
        freezer.whileFrozen(List.of(mountPoint), () -> {
            System.out.println("frozen");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
            return null;
        });
    }
}
