package io.steward.it.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.steward.config.StorageConfig;
import io.steward.config.TablespaceConfig;
import io.steward.it.aws.Ec2TestServer;
import io.steward.storage.DataVolume;
import io.steward.storage.Ec2VolumeFinder;
import io.steward.storage.StorageException;
import io.steward.testing.LoopFilesystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;

/** Which EBS volumes hold the data, on real loop-mounted XFS volumes attached through the {@link Ec2TestServer}. */
class DataVolumeDiscoveryTest {
    private static final String INSTANCE = "i-0123456789abcdef0";
    private static final List<TablespaceConfig> TABLESPACES =
            List.of(new TablespaceConfig("/dev/sdf", "main", 1), new TablespaceConfig("/dev/xvdg", "fast", 1));

    @TempDir
    Path dir;

    private Ec2TestServer server;
    private Ec2Client ec2;

    @BeforeEach
    void start() {
        server = Ec2TestServer.start(dir.resolve("images"), dir.resolve("by-id"));
        server.addInstance(INSTANCE, "eu-west-1a", "10.0.3.17");
        server.addInstance("i-0fedcba9876543210", "eu-west-1a", "10.0.3.18");
        ec2 = server.client();
    }

    @AfterEach
    void stop() {
        ec2.close();
        server.close();
    }

    private Ec2VolumeFinder finder(Map<Path, String> configured) {
        return new Ec2VolumeFinder(
                ec2,
                INSTANCE,
                new StorageConfig(TABLESPACES, Duration.ofSeconds(10), server.deviceLinks(), configured, Map.of()));
    }

    /** Formats and mounts the attached volume at {@code mountPoint}. */
    private Path mounted(String volumeId, String mountPoint) throws IOException {
        LoopFilesystem.run("mkfs.xfs", "-q", "-f", server.loopDevice(volumeId));
        Path path = Files.createDirectories(dir.resolve(mountPoint));
        LoopFilesystem.run("mount", server.loopDevice(volumeId), path.toString());
        return path;
    }

    @Test
    void nitroVolumesAreFoundByTheirByIdLinksWithTheirPathsAndTablespaces() throws IOException {
        String main = server.attachNewVolume(INSTANCE, "/dev/sdf", LoopFilesystem.SIZE_MIB);
        String fast = server.attachNewVolume(INSTANCE, "/dev/sdg", LoopFilesystem.SIZE_MIB);
        Path data = mounted(main, "data");
        Path tablespace = mounted(fast, "fast");
        Path pgdata = Files.createDirectories(data.resolve("pgdata"));
        Path walLink = Files.createSymbolicLink(dir.resolve("wal"), Files.createDirectories(data.resolve("wal")));
        Path fastTablespace = Files.createDirectories(tablespace.resolve("16385"));

        List<DataVolume> found = finder(Map.of()).volumesHolding(List.of(pgdata, fastTablespace, walLink));

        assertThat(found)
                .containsExactly(
                        new DataVolume(main, data, "/dev/sdf", 1, List.of(pgdata, walLink), List.of("main")),
                        new DataVolume(fast, tablespace, "/dev/sdg", 1, List.of(fastTablespace), List.of("fast")));
    }

    @Test
    void withoutLinksTheAttachmentNamesInDescribeVolumesTell() throws IOException {
        String xen = server.attachNewVolumeWithoutLink(INSTANCE, LoopFilesystem.SIZE_MIB);
        Path data = mounted(xen, "data");
        assertThat(server.deviceLinks()).isEmptyDirectory();

        List<DataVolume> found = finder(Map.of()).volumesHolding(List.of(data.resolve("pgdata")));

        assertThat(found).singleElement().satisfies(volume -> {
            assertThat(volume.volumeId()).isEqualTo(xen);
            assertThat(volume.device()).isEqualTo(server.loopDevice(xen));
            assertThat(volume.mountPoint()).isEqualTo(data);
            assertThat(volume.tablespaces()).isEmpty();
        });
    }

    @Test
    void storageVolumesNamesAVolumeByMountPointOrDevice() throws IOException {
        String first = server.attachNewVolumeWithoutLink(INSTANCE, LoopFilesystem.SIZE_MIB);
        String second = server.attachNewVolumeWithoutLink(INSTANCE, LoopFilesystem.SIZE_MIB);
        Path one = mounted(first, "one");
        Path two = mounted(second, "two");
        // the attachment names would match each mount to its own volume: the configuration is what decides here
        Map<Path, String> swapped = Map.of(one, second, Path.of(server.loopDevice(second)), first);

        List<DataVolume> found = finder(swapped).volumesHolding(List.of(one, two));

        assertThat(found).extracting(DataVolume::volumeId).containsExactly(second, first);
    }

    @Test
    void aPathOnTheRootFilesystemIsRefused() {
        StorageException e = catchThrowableOfType(
                StorageException.class, () -> finder(Map.of()).volumesHolding(List.of(Path.of("/usr/lib"))));

        assertThat(e).hasMessageContaining("data path /usr/lib is on the root filesystem (/, mounted from ");
        assertThat(server.calls("DescribeVolumes"))
                .as("refused before asking EC2")
                .isZero();
    }

    @Test
    void aPathOnADeviceThatIsNoEbsVolumeOfThisInstanceIsRefused() throws IOException {
        server.attachNewVolume(INSTANCE, "/dev/sdf", 10);
        try (LoopFilesystem local = LoopFilesystem.create(dir, dir.resolve("local"))) {
            Path pgdata = Files.createDirectories(local.mountPoint().resolve("pgdata"));

            StorageException e = catchThrowableOfType(
                    StorageException.class, () -> finder(Map.of()).volumesHolding(List.of(pgdata)));

            assertThat(e)
                    .hasMessageContaining("data path " + pgdata + " is on " + local.mountPoint() + " ("
                            + local.loopDevice() + "), which is not an EBS volume attached to " + INSTANCE);
        }
    }

    /** All test instances share this machine's loop devices and link folder, so the link is there; EC2 decides. */
    @Test
    void aVolumeOfAnotherInstanceIsNotOurs() throws IOException {
        String theirs = server.attachNewVolume("i-0fedcba9876543210", "/dev/sdf", LoopFilesystem.SIZE_MIB);
        Path data = mounted(theirs, "data");

        StorageException e = catchThrowableOfType(
                StorageException.class, () -> finder(Map.of()).volumesHolding(List.of(data)));

        assertThat(e)
                .hasMessageContaining("which the by-id link " + server.deviceLinks())
                .hasMessageContaining("says is " + theirs + ", but EC2 lists no such volume attached to " + INSTANCE);
    }

    @Test
    void storageVolumesNamingAVolumeThatIsNotAttachedHereIsRefused() throws IOException {
        String volumeId = server.attachNewVolume(INSTANCE, "/dev/sdf", LoopFilesystem.SIZE_MIB);
        Path data = mounted(volumeId, "data");

        StorageException e = catchThrowableOfType(
                StorageException.class,
                () -> finder(Map.of(data, "vol-0000000000000dead")).volumesHolding(List.of(data)));

        assertThat(e)
                .hasMessageContaining("data path " + data + " is on " + data)
                .hasMessageContaining("which storage.volumes (" + data
                        + ") says is vol-0000000000000dead, but EC2 lists " + "no such volume attached to " + INSTANCE);
    }
}
