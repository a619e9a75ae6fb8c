package io.steward.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.testing.LoopFilesystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A lease holder whose first start takes longer than its lease can be proven from one tick (a slow disk, a loaded
 * machine): the lease is proven again beside the busy HA loop, so the new primary is not fenced by its own watchdog.
 */
class SlowStartTest {
    private static final Path POSTGRESQL_BIN = Path.of("/usr/lib/postgresql/15/bin");
    /** Longer than the lease proven by one tick lasts in these clusters (session 5 s, tick 0.5 s: 3.5 s at most). */
    private static final int SLOW_START_SECONDS = 6;

    @Test
    void aFirstStartSlowerThanTheLeaseDoesNotFenceTheNewPrimary() throws Exception {
        Path bin = Files.createTempDirectory(Path.of("/tmp"), "steward-slow-bin-");
        try {
            try (Stream<Path> binaries = Files.list(POSTGRESQL_BIN)) {
                for (Path binary : binaries.toList()) {
                    if (!binary.getFileName().toString().equals("pg_ctl")) {
                        Files.createSymbolicLink(bin.resolve(binary.getFileName()), binary);
                    }
                }
            }
            // pg_ctl start returns only once the server is ready; this one then takes its time, as a slow machine would
            Path pgCtl = Files.writeString(
                    bin.resolve("pg_ctl"),
                    String.join(
                            "\n",
                            "#!/bin/sh",
                            "\"" + POSTGRESQL_BIN.resolve("pg_ctl") + "\" \"$@\"",
                            "status=$?",
                            "if [ \"$1\" = start ]; then sleep " + SLOW_START_SECONDS + "; fi",
                            "exit $status",
                            ""));
            Files.setPosixFilePermissions(pgCtl, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
            LocalCluster.Options options = LocalCluster.Options.defaults()
                    .withNodes(1)
                    .withEnvironment(Map.of("STEWARD_POSTGRESQL_BIN_DIR", bin.toString()));

            try (LocalCluster cluster = LocalCluster.start(options)) {
                LocalCluster.Node primary = cluster.awaitPrimary();

                assertThat(Files.readString(primary.agentLog()))
                        .contains("created the cluster")
                        .doesNotContain("fencing the local primary");
            }
        } finally {
            LoopFilesystem.run("rm", "-rf", bin.toString());
        }
    }
}
