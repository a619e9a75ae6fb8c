package io.steward.it.backup;

import io.steward.it.aws.Ec2TestServer;
import io.steward.it.aws.S3TestServer;
import io.steward.testing.LoopFilesystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An agent that takes snapshot sets on a node the EC2 test server knows: its configuration, what it would learn from
 * IMDS on EC2, and a data directory that is the root of an XFS volume attached to that instance.
 */
public final class SnapshotFixtures {
    public static final String ZONE = "eu-west-1a";
    private static final String REGION = "eu-west-1";

    private SnapshotFixtures() {}

    /**
     * To follow {@link #sections} for PostgreSQL: the WAL archive without a socket, since several agents share this
     * machine.
     */
    public static final String WAL_WITHOUT_SOCKET = "\n  wal:\n    socket: \"\"";

    /**
     * The {@code storage} and {@code backup} sections: the backup store in {@code bucket} and snapshot sets.
     *
     * @param moreStorage lines of the {@code storage} section beside {@code device_links}, e.g. {@code restore_mounts: ...}
     * @param snapshots lines of the {@code backup.snapshots} section, e.g. {@code schedule: off}
     */
    public static String sections(
            Ec2TestServer ec2, S3TestServer s3, String bucket, List<String> moreStorage, List<String> snapshots) {
        List<String> lines = new ArrayList<>(List.of("storage:", "  device_links: " + ec2.deviceLinks()));
        moreStorage.forEach(line -> lines.add("  " + line));
        lines.addAll(
                List.of("backup:", "  store:", WalFixtures.nestedStoreSection(s3.endpoint(), bucket), "  snapshots:"));
        snapshots.forEach(line -> lines.add("    " + line));
        return String.join("\n", lines);
    }

    /** The agent's environment: the test servers' credentials and endpoint, and what IMDS would tell it. */
    public static Map<String, String> environment(Ec2TestServer ec2, String instanceId) {
        return Map.of(
                "AWS_ACCESS_KEY_ID",
                S3TestServer.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY",
                S3TestServer.SECRET_KEY,
                "STEWARD_NODE_INSTANCE_ID",
                instanceId,
                "STEWARD_NODE_AVAILABILITY_ZONE",
                ZONE,
                "STEWARD_AWS_REGION",
                REGION,
                "STEWARD_AWS_EC2_ENDPOINT",
                ec2.endpoint().toString());
    }

    /**
     * Attaches a new 4 GiB volume to {@code instanceId} as /dev/sdf, makes an XFS filesystem on it and mounts it on
     * {@code dataDir} (created if need be), owned by {@code owner}; the caller unmounts it.
     */
    public static void mountNewVolume(Ec2TestServer ec2, String instanceId, Path dataDir, String owner)
            throws Exception {
        String volume = ec2.attachNewVolume(instanceId, "/dev/sdf", 4096);
        LoopFilesystem.run("mkfs.xfs", "-q", "-f", ec2.loopDevice(volume));
        Files.createDirectories(dataDir);
        LoopFilesystem.run("mount", ec2.loopDevice(volume), dataDir.toString());
        LoopFilesystem.run("chown", owner + ":" + owner, dataDir.toString());
    }
}
