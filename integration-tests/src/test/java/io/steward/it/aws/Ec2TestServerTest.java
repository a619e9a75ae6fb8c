package io.steward.it.aws;

import io.steward.testing.LoopFilesystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CreateSnapshotResponse;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotState;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ec2.model.VolumeAttachmentState;
import software.amazon.awssdk.services.ec2.model.VolumeState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

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

        CreateSnapshotResponse created = ec2.createSnapshot(r -> r.volumeId(volumeId).description("test set")
                .tagSpecifications(t -> t.resourceType(ResourceType.SNAPSHOT).tags(tag -> tag.key("steward:set-id").value("s1"))));
        Files.writeString(original.resolve("after.txt"), "after");

        assertThat(created.state()).isEqualTo(SnapshotState.PENDING);
        assertThat(created.tags()).anySatisfy(tag -> assertThat(tag.value()).isEqualTo("s1"));
        await().atMost(Duration.ofSeconds(30)).until(() -> ec2.describeSnapshots(r -> r.filters(
                f -> f.name("tag:steward:set-id").values("s1"))).snapshots().stream().allMatch(s -> s.state() == SnapshotState.COMPLETED));

        String restoredId = ec2.createVolume(r -> r.snapshotId(created.snapshotId()).availabilityZone("eu-west-1a")).volumeId();
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

        List<Volume> mine = ec2.describeVolumes(r -> r.filters(f -> f.name("attachment.instance-id").values(INSTANCE))).volumes();
        assertThat(mine).extracting(Volume::volumeId).containsExactly(first, second);
        assertThat(ec2.describeVolumes(r -> r.filters(f -> f.name("attachment.device").values("/dev/sdg"),
                f -> f.name("attachment.instance-id").values(INSTANCE))).volumes()).extracting(Volume::volumeId).containsExactly(second);

        for (int i = 0; i < 7; i++) {
            String tag = i % 2 == 0 ? "even" : "odd";
            ec2.createSnapshot(r -> r.volumeId(first).tagSpecifications(t -> t.resourceType(ResourceType.SNAPSHOT)
                    .tags(x -> x.key("parity").value(tag))));
        }
        List<Snapshot> all = ec2.describeSnapshotsPaginator(r -> r.ownerIds("self").maxResults(5)).snapshots().stream().toList();
        assertThat(all).hasSize(7);
        assertThat(ec2.describeSnapshots(r -> r.filters(f -> f.name("tag:parity").values("even"))).snapshots()).hasSize(4);
        ec2.createTags(r -> r.resources(all.get(0).snapshotId()).tags(t -> t.key("parity").value("changed")));
        assertThat(ec2.describeSnapshots(r -> r.filters(f -> f.name("tag-key").values("parity"), f -> f.name("tag:parity")
                .values("changed"))).snapshots()).extracting(Snapshot::snapshotId).containsExactly(all.get(0).snapshotId());
        ec2.deleteSnapshot(r -> r.snapshotId(all.get(0).snapshotId()));
        assertThat(server.snapshotIds()).hasSize(6);

        Instance instance = ec2.describeInstances(r -> r.instanceIds(INSTANCE)).reservations().get(0).instances().get(0);
        assertThat(instance.placement().availabilityZone()).isEqualTo("eu-west-1a");
        assertThat(instance.blockDeviceMappings()).extracting(m -> m.ebs().volumeId()).containsExactly(first, second);
    }

    @Test
    void unknownIdsAndBadRequestsGetEc2sErrorCodes() {
        assertThat(code(() -> ec2.describeVolumes(r -> r.volumeIds("vol-00000000000000001")))).isEqualTo("InvalidVolume.NotFound");
        assertThat(code(() -> ec2.createSnapshot(r -> r.volumeId("vol-00000000000000001")))).isEqualTo("InvalidVolume.NotFound");
        assertThat(code(() -> ec2.deleteSnapshot(r -> r.snapshotId("snap-00000000000000001")))).isEqualTo("InvalidSnapshot.NotFound");
        assertThat(code(() -> ec2.describeSnapshots(r -> r.snapshotIds("snapshot-1")))).isEqualTo("InvalidSnapshotID.Malformed");
        assertThat(code(() -> ec2.describeInstances(r -> r.instanceIds("i-00000000000000001")))).isEqualTo("InvalidInstanceID.NotFound");
        String volumeId = server.attachNewVolume(INSTANCE, "/dev/sdf", 10);
        assertThat(code(() -> ec2.attachVolume(r -> r.volumeId(volumeId).instanceId(INSTANCE).device("/dev/sdh"))))
                .isEqualTo("IncorrectState");
        assertThat(code(() -> ec2.deleteVolume(r -> r.volumeId(volumeId)))).isEqualTo("VolumeInUse");
    }

    @Test
    void injectedFailuresAndHangs() throws Exception {
        String volumeId = server.attachNewVolume(INSTANCE, "/dev/sdf", 10);
        server.failNext("CreateSnapshot", 1, "SnapshotCreationPerVolumeRateExceeded", 400);
        assertThat(code(() -> ec2.createSnapshot(r -> r.volumeId(volumeId)))).isEqualTo("SnapshotCreationPerVolumeRateExceeded");
        assertThat(server.snapshotIds()).isEmpty();

        server.hangNext("CreateSnapshot");
        CompletableFuture<CreateSnapshotResponse> hung = CompletableFuture.supplyAsync(() -> ec2.createSnapshot(r -> r.volumeId(volumeId)));
        await().atMost(Duration.ofSeconds(30)).until(() -> server.calls("CreateSnapshot") == 2);
        assertThat(ec2.describeVolumes(r -> r.volumeIds(volumeId)).volumes()).as("other calls go on").hasSize(1);
        assertThat(hung).isNotDone();
        server.release("CreateSnapshot");
        assertThat(hung.get().snapshotId()).startsWith("snap-");
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
