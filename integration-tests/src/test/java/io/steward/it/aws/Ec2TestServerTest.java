package io.steward.it.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.steward.testing.LoopFilesystem;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CopyTagsFromSource;
import software.amazon.awssdk.services.ec2.model.CreateSnapshotResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotInfo;
import software.amazon.awssdk.services.ec2.model.SnapshotState;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ec2.model.VolumeAttachment;
import software.amazon.awssdk.services.ec2.model.VolumeAttachmentState;
import software.amazon.awssdk.services.ec2.model.VolumeState;

/** {@link Ec2TestServer} against the real SDK client, backed by real loop devices and XFS. */
class Ec2TestServerTest {
    private static final String INSTANCE = "i-0123456789abcdef0";

    @TempDir
    Path dir;

    private Ec2TestServer server;
    private Ec2Client ec2;

    @BeforeEach
    void start() {
        server = Ec2TestServer.start(dir.resolve("images"), dir.resolve("by-id"));
        server.addInstance(INSTANCE, "eu-west-1a", "10.0.3.17");
        server.snapshotDelay(Duration.ofMillis(200));
        ec2 = server.client();
    }

    @AfterEach
    void stop() {
        ec2.close();
        server.close();
    }

    private String formattedVolume(String device, Path mountPoint) throws IOException {
        String volumeId = server.attachNewVolume(INSTANCE, device, LoopFilesystem.SIZE_MIB);
        LoopFilesystem.run("mkfs.xfs", "-q", "-f", server.loopDevice(volumeId));
        Files.createDirectories(mountPoint);
        LoopFilesystem.run("mount", server.loopDevice(volumeId), mountPoint.toString());
        return volumeId;
    }

    @Test
    void aSnapshotHoldsWhatTheVolumeHeldWhenItWasCreatedAndRestoresAsANewVolume() throws IOException {
        Path original = dir.resolve("original");
        String volumeId = formattedVolume("/dev/sdf", original);
        Files.writeString(original.resolve("before.txt"), "before");
        LoopFilesystem.run("sync");

        CreateSnapshotResponse created = ec2.createSnapshot(r -> r.volumeId(volumeId)
                .description("test set")
                .tagSpecifications(t -> t.resourceType(ResourceType.SNAPSHOT)
                        .tags(tag -> tag.key("steward:set-id").value("s1"))));
        Files.writeString(original.resolve("after.txt"), "after");

        assertThat(created.state()).isEqualTo(SnapshotState.PENDING);
        assertThat(created.tags()).anySatisfy(tag -> assertThat(tag.value()).isEqualTo("s1"));
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        ec2
                                .describeSnapshots(r -> r.filters(
                                        f -> f.name("tag:steward:set-id").values("s1")))
                                .snapshots()
                                .stream()
                                .allMatch(s -> s.state() == SnapshotState.COMPLETED));

        String restoredId = ec2.createVolume(
                        r -> r.snapshotId(created.snapshotId()).availabilityZone("eu-west-1a"))
                .volumeId();
        await().atMost(Duration.ofSeconds(30)).until(() -> volume(restoredId).state() == VolumeState.AVAILABLE);
        ec2.attachVolume(r -> r.volumeId(restoredId).instanceId(INSTANCE).device("/dev/sdg"));
        assertThat(volume(restoredId).attachments()).singleElement().satisfies(a -> {
            assertThat(a.device()).isEqualTo("/dev/sdg");
            assertThat(a.state()).isEqualTo(VolumeAttachmentState.ATTACHED);
        });
        Path link = dir.resolve("by-id").resolve("nvme-Amazon_Elastic_Block_Store_" + restoredId.replace("-", ""));
        Path restored = Files.createDirectories(dir.resolve("restored"));
        LoopFilesystem.run("mount", "-o", "nouuid", link.toRealPath().toString(), restored.toString());
        try {
            assertThat(restored.resolve("before.txt")).hasContent("before");
            assertThat(restored.resolve("after.txt")).doesNotExist();
        } finally {
            LoopFilesystem.run("umount", restored.toString());
            LoopFilesystem.run("umount", original.toString());
        }
        ec2.detachVolume(r -> r.volumeId(restoredId));
        assertThat(link).doesNotExist();
        ec2.deleteVolume(r -> r.volumeId(restoredId));
        assertThat(server.volumeIds()).containsExactly(volumeId);
    }

    @Test
    void describeCallsFilterAndPage() throws IOException {
        String first = server.attachNewVolume(INSTANCE, "/dev/sdf", 10);
        String second = server.attachNewVolume(INSTANCE, "/dev/sdg", 10);
        server.addInstance("i-0fedcba9876543210", "eu-west-1b", "10.0.4.1");
        server.attachNewVolume("i-0fedcba9876543210", "/dev/sdf", 10);

        List<Volume> mine = ec2.describeVolumes(
                        r -> r.filters(f -> f.name("attachment.instance-id").values(INSTANCE)))
                .volumes();
        assertThat(mine).extracting(Volume::volumeId).containsExactly(first, second);
        assertThat(ec2.describeVolumes(r -> r.filters(
                                f -> f.name("attachment.device").values("/dev/sdg"),
                                f -> f.name("attachment.instance-id").values(INSTANCE)))
                        .volumes())
                .extracting(Volume::volumeId)
                .containsExactly(second);

        for (int i = 0; i < 7; i++) {
            String tag = i % 2 == 0 ? "even" : "odd";
            ec2.createSnapshot(r -> r.volumeId(first)
                    .tagSpecifications(t -> t.resourceType(ResourceType.SNAPSHOT)
                            .tags(x -> x.key("parity").value(tag))));
        }
        List<Snapshot> all = ec2
                .describeSnapshotsPaginator(r -> r.ownerIds("self").maxResults(5))
                .snapshots()
                .stream()
                .toList();
        assertThat(all).hasSize(7);
        assertThat(ec2.describeSnapshots(
                                r -> r.filters(f -> f.name("tag:parity").values("even")))
                        .snapshots())
                .hasSize(4);
        ec2.createTags(r ->
                r.resources(all.get(0).snapshotId()).tags(t -> t.key("parity").value("changed")));
        assertThat(ec2.describeSnapshots(r -> r.filters(
                                f -> f.name("tag-key").values("parity"),
                                f -> f.name("tag:parity").values("changed")))
                        .snapshots())
                .extracting(Snapshot::snapshotId)
                .containsExactly(all.get(0).snapshotId());
        ec2.deleteSnapshot(r -> r.snapshotId(all.get(0).snapshotId()));
        assertThat(server.snapshotIds()).hasSize(6);

        Instance instance = ec2.describeInstances(r -> r.instanceIds(INSTANCE))
                .reservations()
                .get(0)
                .instances()
                .get(0);
        assertThat(instance.placement().availabilityZone()).isEqualTo("eu-west-1a");
        assertThat(instance.blockDeviceMappings())
                .extracting(m -> m.ebs().volumeId())
                .containsExactly(first, second);
    }

    @Test
    void unknownIdsAndBadRequestsGetEc2sErrorCodes() {
        assertThat(code(() -> ec2.describeVolumes(r -> r.volumeIds("vol-00000000000000001"))))
                .isEqualTo("InvalidVolume.NotFound");
        assertThat(code(() -> ec2.createSnapshot(r -> r.volumeId("vol-00000000000000001"))))
                .isEqualTo("InvalidVolume.NotFound");
        assertThat(code(() -> ec2.deleteSnapshot(r -> r.snapshotId("snap-00000000000000001"))))
                .isEqualTo("InvalidSnapshot.NotFound");
        assertThat(code(() -> ec2.describeSnapshots(r -> r.snapshotIds("snapshot-1"))))
                .isEqualTo("InvalidSnapshotID.Malformed");
        assertThat(code(() -> ec2.describeInstances(r -> r.instanceIds("i-00000000000000001"))))
                .isEqualTo("InvalidInstanceID.NotFound");
        String volumeId = server.attachNewVolume(INSTANCE, "/dev/sdf", 10);
        assertThat(code(() -> ec2.attachVolume(
                        r -> r.volumeId(volumeId).instanceId(INSTANCE).device("/dev/sdh"))))
                .isEqualTo("IncorrectState");
        assertThat(code(() -> ec2.deleteVolume(r -> r.volumeId(volumeId)))).isEqualTo("VolumeInUse");
    }

    @Test
    void injectedFailuresAndHangs() throws Exception {
        String volumeId = server.attachNewVolume(INSTANCE, "/dev/sdf", 10);
        server.failNext("CreateSnapshot", 1, "SnapshotCreationPerVolumeRateExceeded", 400);
        assertThat(code(() -> ec2.createSnapshot(r -> r.volumeId(volumeId))))
                .isEqualTo("SnapshotCreationPerVolumeRateExceeded");
        assertThat(server.snapshotIds()).isEmpty();

        server.hangNext("CreateSnapshot");
        CompletableFuture<CreateSnapshotResponse> hung =
                CompletableFuture.supplyAsync(() -> ec2.createSnapshot(r -> r.volumeId(volumeId)));
        await().atMost(Duration.ofSeconds(30)).until(() -> server.calls("CreateSnapshot") == 2);
        assertThat(ec2.describeVolumes(r -> r.volumeIds(volumeId)).volumes())
                .as("other calls go on")
                .hasSize(1);
        assertThat(hung).isNotDone();
        server.release("CreateSnapshot");
        assertThat(hung.get().snapshotId()).startsWith("snap-");
    }

    @Test
    void createSnapshotsTakesTheInstancesVolumesLessTheExcludedWithTags() {
        String boot = server.attachNewVolume(INSTANCE, "/dev/xvda", 10);
        String data = server.attachNewVolume(INSTANCE, "/dev/sdf", 10);
        String scratch = server.attachNewVolume(INSTANCE, "/dev/sdg", 10);
        ec2.createTags(r -> r.resources(data).tags(t -> t.key("tablespace").value("main")));

        List<SnapshotInfo> taken = ec2.createSnapshots(r -> r.instanceSpecification(i ->
                                i.instanceId(INSTANCE).excludeBootVolume(true).excludeDataVolumeIds(scratch))
                        .copyTagsFromSource(CopyTagsFromSource.VOLUME)
                        .tagSpecifications(t -> t.resourceType(ResourceType.SNAPSHOT)
                                .tags(x -> x.key("steward:set-id").value("s2"))))
                .snapshots();

        assertThat(taken).singleElement().satisfies(info -> {
            assertThat(info.volumeId()).isEqualTo(data);
            assertThat(info.state()).isEqualTo(SnapshotState.PENDING);
            assertThat(info.tags())
                    .extracting(Tag::key, Tag::value)
                    .containsExactlyInAnyOrder(tuple("tablespace", "main"), tuple("steward:set-id", "s2"));
        });
        List<SnapshotInfo> withBoot = ec2.createSnapshots(r -> r.instanceSpecification(i -> i.instanceId(INSTANCE)))
                .snapshots();
        assertThat(withBoot).extracting(SnapshotInfo::volumeId).containsExactlyInAnyOrder(boot, data, scratch);
        assertThat(withBoot).allSatisfy(info -> assertThat(info.tags()).isEmpty());
        assertThat(code(() ->
                        ec2.createSnapshots(r -> r.instanceSpecification(i -> i.instanceId("i-00000000000000001")))))
                .isEqualTo("InvalidInstanceID.NotFound");
    }

    @Test
    void aSnapshotIsPendingWithGrowingProgressUntilCompleted() {
        // long enough for the four calls below to find it pending even on a loaded machine
        server.snapshotDelay(Duration.ofSeconds(10));
        String volumeId = server.attachNewVolume(INSTANCE, "/dev/sdf", 10);
        String snapshotId = ec2.createSnapshot(r -> r.volumeId(volumeId)).snapshotId();

        Snapshot pending = snapshot(snapshotId);
        assertThat(pending.state()).isEqualTo(SnapshotState.PENDING);
        assertThat(pending.progress()).isNotEqualTo("100%").endsWith("%");
        assertThat(ec2.describeSnapshots(r -> r.filters(f -> f.name("status").values("completed")))
                        .snapshots())
                .isEmpty();
        assertThat(code(() -> ec2.createVolume(r -> r.snapshotId(snapshotId).availabilityZone("eu-west-1a"))))
                .as("a volume needs a completed snapshot")
                .isEqualTo("IncorrectState");

        await().atMost(Duration.ofSeconds(30)).until(() -> snapshot(snapshotId).state() == SnapshotState.COMPLETED);
        assertThat(snapshot(snapshotId).progress()).isEqualTo("100%");
        assertThat(ec2.describeSnapshots(r -> r.filters(f -> f.name("status").values("completed")))
                        .snapshots())
                .extracting(Snapshot::snapshotId)
                .containsExactly(snapshotId);
        assertThat(code(() -> ec2.createVolume(r ->
                        r.snapshotId(snapshotId).availabilityZone("eu-west-1a").size(0))))
                .isEqualTo("InvalidParameterValue");
    }

    @Test
    void filtersOnIdsDevicesStatusAndTags() {
        String first = server.attachNewVolume(INSTANCE, "/dev/sdf", 10);
        String second = server.attachNewVolume(INSTANCE, "/dev/sdg", 10);
        ec2.createTags(r -> r.resources(first, second)
                .tags(t -> t.key("cluster").value("db"), t -> t.key("role").value("x")));
        ec2.deleteTags(r -> r.resources(second).tags(t -> t.key("role")));

        assertThat(ec2.describeVolumes(r -> r.filters(f -> f.name("volume-id").values(second)))
                        .volumes())
                .extracting(Volume::volumeId)
                .containsExactly(second);
        assertThat(ec2.describeVolumes(r -> r.filters(f -> f.name("tag-key").values("role")))
                        .volumes())
                .extracting(Volume::volumeId)
                .containsExactly(first);
        assertThat(ec2.describeVolumes(r -> r.filters(
                                f -> f.name("tag:cluster").values("db", "other"),
                                f -> f.name("attachment.status").values("attached")))
                        .volumes())
                .hasSize(2);
        assertThat(ec2.describeVolumes(r -> r.filters(f -> f.name("tag:cluster").values("other")))
                        .volumes())
                .isEmpty();
        assertThat(volume(second).tags()).extracting(Tag::key).containsExactly("cluster");

        String ofFirst = ec2.createSnapshot(r -> r.volumeId(first)).snapshotId();
        String ofSecond = ec2.createSnapshot(r -> r.volumeId(second)).snapshotId();
        assertThat(ec2.describeSnapshots(r -> r.filters(f -> f.name("volume-id").values(second)))
                        .snapshots())
                .extracting(Snapshot::snapshotId)
                .containsExactly(ofSecond);
        assertThat(ec2.describeSnapshots(
                                r -> r.filters(f -> f.name("snapshot-id").values(ofFirst)))
                        .snapshots())
                .extracting(Snapshot::volumeId)
                .containsExactly(first);
        assertThat(ec2.describeSnapshots(r -> r.snapshotIds(ofFirst, ofSecond).ownerIds("self"))
                        .snapshots())
                .hasSize(2);
        assertThat(ec2.describeSnapshots(r -> r.ownerIds("210987654321")).snapshots())
                .as("someone else's")
                .isEmpty();
        assertThat(code(() -> ec2.describeVolumes(
                        r -> r.filters(f -> f.name("no-such-filter").values("x")))))
                .isEqualTo("InvalidParameterValue");
        assertThat(code(() -> ec2.describeSnapshots(r -> r.maxResults(3)))).isEqualTo("InvalidParameterValue");
    }

    @Test
    void instancesShowTheirPlacementAddressAndDevices() {
        String volumeId = server.attachNewVolume(INSTANCE, "/dev/sdf", 10);
        Instance instance = ec2.describeInstances(r -> r.instanceIds(INSTANCE))
                .reservations()
                .get(0)
                .instances()
                .get(0);
        assertThat(instance.instanceId()).isEqualTo(INSTANCE);
        assertThat(instance.privateIpAddress()).isEqualTo("10.0.3.17");
        assertThat(instance.privateDnsName()).isEqualTo("ip-10-0-3-17.eu-west-1.compute.internal");
        assertThat(instance.rootDeviceName()).isEqualTo("/dev/xvda");
        assertThat(instance.blockDeviceMappings()).singleElement().satisfies(mapping -> {
            assertThat(mapping.deviceName()).isEqualTo("/dev/sdf");
            assertThat(mapping.ebs().volumeId()).isEqualTo(volumeId);
        });
    }

    @Test
    void attachChecksZoneAndDeviceAndDetachRefusesAMountedVolume() throws IOException {
        Path mountPoint = dir.resolve("data");
        String volumeId = formattedVolume("/dev/sdf", mountPoint);
        String loopDevice = server.loopDevice(volumeId);
        String other =
                ec2.createVolume(r -> r.availabilityZone("eu-west-1a").size(1)).volumeId();
        String elsewhere =
                ec2.createVolume(r -> r.availabilityZone("eu-west-1b").size(1)).volumeId();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> volume(other).state() == VolumeState.AVAILABLE
                        && volume(elsewhere).state() == VolumeState.AVAILABLE);
        assertThat(code(() -> ec2.attachVolume(
                        r -> r.volumeId(other).instanceId(INSTANCE).device("/dev/sdf"))))
                .as("the device is taken")
                .isEqualTo("InvalidParameterValue");
        assertThat(code(() -> ec2.attachVolume(
                        r -> r.volumeId(elsewhere).instanceId(INSTANCE).device("/dev/sdh"))))
                .isEqualTo("InvalidVolume.ZoneMismatch");

        assertThat(code(() -> ec2.detachVolume(r -> r.volumeId(volumeId)))).isEqualTo("IncorrectState");
        assertThat(volume(volumeId).attachments())
                .singleElement()
                .extracting(VolumeAttachment::instanceId)
                .isEqualTo(INSTANCE);
        LoopFilesystem.run("umount", mountPoint.toString());
        assertThat(ec2.detachVolume(r -> r.volumeId(volumeId)).state()).isEqualTo(VolumeAttachmentState.DETACHING);
        assertThat(volume(volumeId).state()).isEqualTo(VolumeState.AVAILABLE);
        assertThat(dir.resolve("by-id")).isEmptyDirectory();
        assertThat(loopDevicesBackedBy(dir.resolve("images"))).doesNotContain(loopDevice);
        assertThat(code(() -> ec2.detachVolume(r -> r.volumeId(volumeId)))).isEqualTo("IncorrectState");
    }

    @Test
    void aVolumeWithoutLinkIsAttachedUnderItsKernelName() {
        String volumeId = server.attachNewVolumeWithoutLink(INSTANCE, 10);
        assertThat(volume(volumeId).attachments())
                .singleElement()
                .extracting(VolumeAttachment::device)
                .isEqualTo(server.loopDevice(volumeId));
        assertThat(dir.resolve("by-id")).isEmptyDirectory();
    }

    @Test
    void throttlingIsRetriedByTheSdkAndPersistentFailuresSurfaceWithTheirCode() {
        String volumeId = server.attachNewVolume(INSTANCE, "/dev/sdf", 10);
        server.failNext("DescribeVolumes", 2, "RequestLimitExceeded", 503);
        assertThat(volume(volumeId).volumeId()).isEqualTo(volumeId);
        assertThat(server.calls("DescribeVolumes")).isEqualTo(3);

        server.failNext("DeleteVolume", 100, "InternalError", 500);
        Ec2Exception failure =
                catchThrowableOfType(Ec2Exception.class, () -> ec2.deleteVolume(r -> r.volumeId(volumeId)));
        assertThat(failure.statusCode()).isEqualTo(500);
        assertThat(failure.awsErrorDetails().errorCode()).isEqualTo("InternalError");
        assertThat(server.calls("DeleteVolume")).as("retried before giving up").isGreaterThan(1);
        assertThat(server.volumeIds()).containsExactly(volumeId);
    }

    @Test
    void closeUnmountsAndDetachesEverythingItSetUp(@TempDir Path own) throws IOException {
        Path image = own.resolve("prepared.img");
        LoopFilesystem.run("truncate", "-s", LoopFilesystem.SIZE_MIB + "M", image.toString());
        LoopFilesystem.run("mkfs.xfs", "-q", image.toString());
        Path mountPoint = Files.createDirectories(own.resolve("mounted"));
        try (Ec2TestServer closing = Ec2TestServer.start(own.resolve("images"), own.resolve("by-id"))) {
            closing.addInstance(INSTANCE, "eu-west-1a", "10.0.3.17");
            String adopted = closing.adoptImage(image, INSTANCE, "/dev/sdf");
            String fresh = closing.attachNewVolume(INSTANCE, "/dev/sdg", 10);
            Path link = own.resolve("by-id").resolve("nvme-Amazon_Elastic_Block_Store_" + adopted.replace("-", ""));
            assertThat(LoopFilesystem.run(
                                    "blkid",
                                    "-o",
                                    "value",
                                    "-s",
                                    "TYPE",
                                    link.toRealPath().toString())
                            .strip())
                    .isEqualTo("xfs");
            LoopFilesystem.run("mount", closing.loopDevice(adopted), mountPoint.toString());
            assertThat(loopDevicesBackedBy(own.resolve("images"))).hasSize(2).contains(closing.loopDevice(fresh));
        }

        assertThat(loopDevicesBackedBy(own.resolve("images"))).isEmpty();
        assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(" " + mountPoint + " ");
        assertThat(own.resolve("images")).isEmptyDirectory();
        assertThat(own.resolve("by-id")).isEmptyDirectory();
    }

    /** Loop devices whose backing file lies in {@code folder}, read from sysfs (other tests may use loop devices too). */
    private static List<String> loopDevicesBackedBy(Path folder) throws IOException {
        List<String> devices = new ArrayList<>();
        try (DirectoryStream<Path> blocks = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            for (Path block : blocks) {
                Path backing = block.resolve("loop/backing_file");
                if (Files.exists(backing) && Files.readString(backing).strip().startsWith(folder.toString())) {
                    devices.add("/dev/" + block.getFileName());
                }
            }
        }
        return devices;
    }

    private Snapshot snapshot(String id) {
        return ec2.describeSnapshots(r -> r.snapshotIds(id)).snapshots().get(0);
    }

    private Volume volume(String id) {
        return ec2.describeVolumes(r -> r.volumeIds(id)).volumes().get(0);
    }

    private static String code(Runnable call) {
        Ec2Exception e = catchThrowableOfType(Ec2Exception.class, call::run);
        assertThat(e).as("an Ec2Exception").isNotNull();
        return e.awsErrorDetails().errorCode();
    }
}
