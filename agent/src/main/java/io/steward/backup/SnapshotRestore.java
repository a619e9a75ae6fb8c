package io.steward.backup;

import io.steward.engine.Engine;
import io.steward.engine.EngineException;
import io.steward.engine.Peer;
import io.steward.engine.SnapshotRecovery;
import io.steward.engine.support.ChildProcess;
import io.steward.progress.Progress;
import io.steward.progress.ProgressFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Snapshot;
import software.amazon.awssdk.services.ec2.model.SnapshotState;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ec2.model.VolumeAttachmentState;
import software.amazon.awssdk.services.ec2.model.VolumeState;

/**
 * Restores a snapshot set onto this node: a new volume from each snapshot in this node's availability zone,
 * attached, mounted where the set's volume was mounted (or where the caller maps it), then the engine's recovery
 * from the archive up to the target. A restored volume is never formatted: a device that does not mount as it is
 * stops the restore.
 */
public final class SnapshotRestore {
    private static final Logger log = LoggerFactory.getLogger(SnapshotRestore.class);
    private static final Duration VOLUME_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration DEVICE_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final List<String> DEVICE_NAMES = Stream.of("f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p")
            .map(letter -> "/dev/sd" + letter)
            .toList();

    /**
     * Where this node is and what it is restoring.
     *
     * @param instanceId this instance
     * @param availabilityZone this instance's zone: volumes are created here
     * @param deviceLinks where attached EBS volumes appear by id ({@code /dev/disk/by-id} on Nitro instances)
     * @param mountPoints a set's mount point mapped to another one on this node; unmapped ones are used as they are
     */
    public record Target(String instanceId, String availabilityZone, Path deviceLinks, Map<Path, Path> mountPoints) {
        public Target {
            mountPoints = Map.copyOf(mountPoints);
        }

        Path mountPointFor(SnapshotVolume volume) {
            Path original = Path.of(volume.mountPoint());
            return mountPoints.getOrDefault(original, original);
        }
    }

    private final Ec2Client ec2;
    private final Engine engine;
    private final Consumer<Progress> progress;
    private long started = System.nanoTime();
    private String loggedStep = "";

    /** @param progress told of each step, and how far the engine's recovery has come, timed from the start */
    public SnapshotRestore(Ec2Client ec2, Engine engine, Consumer<Progress> progress) {
        this.ec2 = ec2;
        this.engine = engine;
        this.progress = progress;
    }

    /** Each step once in the log; every report, such as the engine's position within a step, to the caller. */
    private void report(Progress step) {
        Progress timed = step.withElapsed(Duration.ofNanos(System.nanoTime() - started));
        if (!timed.what().equals(loggedStep)) {
            log.info("restore: {} (after {})", timed.sentence(), ProgressFormat.elapsed(timed.elapsed()));
            loggedStep = timed.what();
        }
        progress.accept(timed);
    }

    private void report(String step) {
        report(Progress.step(step, Duration.ZERO));
    }

    /**
     * Restores {@code set}, replaying the archive up to {@code targetTime} (or as far as it reaches), and returns once
     * the server takes writes as the primary of a new history.
     */
    public void restore(SnapshotSet set, Optional<Instant> targetTime, Target target) {
        started = System.nanoTime();
        List<MadeVolume> made =
                mountVolumes(set, target, targetTime.map(t -> ", to " + t).orElse(", to the end of the archive"));
        keepingVolumesOnFailure(made, () -> recovery().recoverFromSnapshot(set.files(), targetTime, this::report));
        report("snapshot set " + set.id() + " restored");
    }

    /**
     * Seeds this node as a replica of {@code primary} from {@code set}: the volumes as for a restore, then the server
     * starts as a replica and catches up from the archive and the primary.
     */
    public void restoreAsReplica(SnapshotSet set, Peer primary, Target target) {
        started = System.nanoTime();
        List<MadeVolume> made = mountVolumes(set, target, ", as a replica of " + primary.name());
        keepingVolumesOnFailure(made, () -> recovery().startReplicaFromSnapshot(set.files(), primary));
        report("replica seeded from snapshot set " + set.id());
    }

    /** Checked before any volume is made ({@link #mountVolumes}). */
    private SnapshotRecovery recovery() {
        return engine.capability(SnapshotRecovery.class).orElseThrow();
    }

    /**
     * A volume this restore made, and how far it got with it: what a failed restore removes again, or names for the
     * operator.
     */
    private static final class MadeVolume {
        private final String volumeId;
        private final String device;
        private Path mountedAt;

        MadeVolume(String volumeId, String device) {
            this.volumeId = volumeId;
            this.device = device;
        }

        /** The volume, where it is, and the commands that remove it. */
        String leftBehind() {
            String unmount = mountedAt == null ? "" : "umount " + mountedAt + "; ";
            return "volume " + volumeId + " (device " + device
                    + (mountedAt == null ? "" : ", mounted at " + mountedAt) + "); remove it with: " + unmount
                    + "aws ec2 detach-volume --volume-id " + volumeId + "; aws ec2 delete-volume --volume-id "
                    + volumeId;
        }
    }

    /**
     * Once the engine has started on the new volumes they hold its work, and what failed may need a look: they stay,
     * and the failure names them with how to remove them.
     */
    private static void keepingVolumesOnFailure(List<MadeVolume> made, Runnable recovery) {
        try {
            recovery.run();
        } catch (EngineException e) {
            throw new EngineException(e.getMessage() + "; " + kept(made), e);
        } catch (SnapshotException e) {
            throw new SnapshotException(e.getMessage() + "; " + kept(made), e);
        }
    }

    private static String kept(List<MadeVolume> made) {
        return "the restored volumes stay as they are: "
                + made.stream().map(MadeVolume::leftBehind).collect(Collectors.joining("; "));
    }

    /**
     * New volumes from the set's snapshots, attached and mounted. When this fails part way, nothing has been written
     * to them yet: what this restore made is unmounted, detached and deleted again, and the failure says so (or names
     * what could not be removed, with the commands that remove it).
     */
    private List<MadeVolume> mountVolumes(SnapshotSet set, Target target, String purpose) {
        if (engine.capability(SnapshotRecovery.class).isEmpty()) {
            throw new SnapshotException("this node's engine cannot start a server from a snapshot set's volumes yet; "
                    + "nothing was created (volumes can be made from the set's snapshots by hand)");
        }
        if (!set.restorable()) {
            throw new SnapshotException("snapshot set " + set.id() + " is " + set.status() + ", not restorable");
        }
        requireSnapshotsOf(set);
        for (SnapshotVolume volume : set.volumes()) {
            requireEmptyMountPoint(target.mountPointFor(volume));
        }
        report("restoring snapshot set " + set.id() + " (" + set.volumes().size() + " volumes) in "
                + target.availabilityZone() + purpose);
        Set<String> devicesInUse = devicesInUse(target.instanceId());
        List<MadeVolume> made = new ArrayList<>();
        try {
            for (SnapshotVolume volume : set.volumes()) {
                String device = chooseDevice(volume.device(), devicesInUse);
                devicesInUse.add(device);
                MadeVolume madeVolume = new MadeVolume(createVolume(set, volume, target.availabilityZone()), device);
                made.add(madeVolume);
                awaitAvailable(madeVolume.volumeId);
                report("attaching volume " + madeVolume.volumeId + " as " + device);
                attach(madeVolume.volumeId, device, target.instanceId());
                Path blockDevice = awaitBlockDevice(madeVolume.volumeId, device, target.deviceLinks());
                report("mounting " + blockDevice + " at " + target.mountPointFor(volume));
                mount(blockDevice, target.mountPointFor(volume));
                madeVolume.mountedAt = target.mountPointFor(volume);
                report("volume " + madeVolume.volumeId + " from " + volume.snapshotId() + " mounted at "
                        + target.mountPointFor(volume) + " (" + volume.sizeGib() + " GiB)");
            }
        } catch (RuntimeException e) {
            if (made.isEmpty()) {
                throw e;
            }
            throw new SnapshotException(e.getMessage() + "; " + remove(made), e);
        }
        return made;
    }

    /** Removes the volumes this restore made, newest first; says what it did, and what it could not. */
    private String remove(List<MadeVolume> made) {
        List<String> removed = new ArrayList<>();
        List<String> left = new ArrayList<>();
        for (int i = made.size() - 1; i >= 0; i--) {
            MadeVolume volume = made.get(i);
            try {
                if (volume.mountedAt != null) {
                    run(List.of("umount", volume.mountedAt.toString()), "unmount " + volume.mountedAt);
                    volume.mountedAt = null;
                }
                if (!describe(volume.volumeId).attachments().isEmpty()) {
                    ec2.detachVolume(r -> r.volumeId(volume.volumeId));
                    awaitAvailable(volume.volumeId);
                }
                ec2.deleteVolume(r -> r.volumeId(volume.volumeId));
                report("deleted volume " + volume.volumeId + " (" + volume.device + "), which this restore had made");
                removed.add(volume.volumeId);
            } catch (RuntimeException e) {
                left.add(volume.leftBehind() + " (removing it failed: " + e.getMessage() + ")");
            }
        }
        return (removed.isEmpty()
                        ? ""
                        : "deleted what this restore had made, before anything was written to it: volume"
                                + (removed.size() == 1 ? " " : "s ") + String.join(", ", removed))
                + (removed.isEmpty() || left.isEmpty() ? "" : "; ")
                + (left.isEmpty() ? "" : "left behind: " + String.join("; ", left));
    }

    /**
     * The catalog says which snapshots make the set; EC2 must agree before anything is created from them: each one
     * still there, completed, and tagged for this set, cluster and mount point (an operator may have deleted or
     * retagged one, or the catalog may be another cluster's copy).
     */
    private void requireSnapshotsOf(SnapshotSet set) {
        List<String> ids =
                set.volumes().stream().map(SnapshotVolume::snapshotId).toList();
        List<Snapshot> described;
        try {
            described = ec2.describeSnapshots(r -> r.snapshotIds(ids)).snapshots();
        } catch (Ec2Exception e) {
            throw new SnapshotException(
                    "snapshot set " + set.id() + " cannot be restored: EC2 does not describe its " + "snapshots " + ids
                            + " (" + SnapshotSets.reason(e) + ")",
                    e);
        }
        for (SnapshotVolume volume : set.volumes()) {
            String what = "snapshot " + volume.snapshotId() + " of set " + set.id();
            Snapshot snapshot = described.stream()
                    .filter(s -> volume.snapshotId().equals(s.snapshotId()))
                    .findFirst()
                    .orElseThrow(() -> new SnapshotException(what + " does not exist in EC2 any more"));
            if (snapshot.state() != SnapshotState.COMPLETED) {
                throw new SnapshotException(what + " is " + snapshot.stateAsString() + " in EC2, not completed");
            }
            Map<String, String> tags = new HashMap<>();
            snapshot.tags().forEach(tag -> tags.put(tag.key(), tag.value()));
            requireTag(what, tags, "set-id", set.id());
            requireTag(what, tags, "cluster", set.cluster());
            requireTag(what, tags, "mount-point", volume.mountPoint());
        }
    }

    private static void requireTag(String what, Map<String, String> tags, String name, String expected) {
        String key = SnapshotSets.TAG_PREFIX + name;
        String actual = tags.get(key);
        if (!expected.equals(actual)) {
            throw new SnapshotException(
                    what + (actual == null ? " has no tag " + key : " is tagged " + key + "=" + actual) + ", expected "
                            + expected + "; refusing to restore from a snapshot that may not be this set's");
        }
    }

    private static void requireEmptyMountPoint(Path mountPoint) {
        try {
            if (Files.exists(mountPoint)) {
                try (Stream<Path> entries = Files.list(mountPoint)) {
                    if (entries.findAny().isPresent()) {
                        throw new SnapshotException("mount point " + mountPoint + " is not empty; a restore never "
                                + "mounts over data (map the set's mount point elsewhere)");
                    }
                }
            }
        } catch (IOException e) {
            throw new SnapshotException("cannot look into mount point " + mountPoint + ": " + e.getMessage(), e);
        }
    }

    private Set<String> devicesInUse(String instanceId) {
        Set<String> devices = new HashSet<>();
        ec2.describeVolumesPaginator(
                        r -> r.filters(f -> f.name("attachment.instance-id").values(instanceId)))
                .volumes()
                .forEach(volume -> volume.attachments().forEach(a -> devices.add(normalized(a.device()))));
        return devices;
    }

    /** The set's own device name when it is free here, else the first free one of /dev/sdf to /dev/sdp. */
    private static String chooseDevice(String original, Set<String> inUse) {
        if (original != null && !original.isEmpty() && !inUse.contains(normalized(original))) {
            return original;
        }
        return DEVICE_NAMES.stream()
                .filter(name -> !inUse.contains(normalized(name)))
                .findFirst()
                .orElseThrow(
                        () -> new SnapshotException("no free device name from /dev/sdf to /dev/sdp on this instance"));
    }

    /** {@code /dev/xvdf} and {@code /dev/sdf} name the same attachment slot. */
    private static String normalized(String device) {
        return device.replaceFirst("^/dev/xvd", "/dev/sd");
    }

    private String createVolume(SnapshotSet set, SnapshotVolume volume, String zone) {
        String volumeId = ec2.createVolume(r -> r.snapshotId(volume.snapshotId())
                        .availabilityZone(zone)
                        .tagSpecifications(spec -> spec.resourceType(ResourceType.VOLUME)
                                .tags(
                                        t -> t.key(SnapshotSets.TAG_PREFIX + "restored-from")
                                                .value(set.id()),
                                        t -> t.key(SnapshotSets.TAG_PREFIX + "mount-point")
                                                .value(volume.mountPoint()))))
                .volumeId();
        report("creating volume " + volumeId + " from " + volume.snapshotId());
        return volumeId;
    }

    private void awaitAvailable(String volumeId) {
        await(
                "volume " + volumeId + " to become available",
                VOLUME_TIMEOUT,
                () -> describe(volumeId).state() == VolumeState.AVAILABLE);
    }

    private void attach(String volumeId, String device, String instanceId) {
        ec2.attachVolume(r -> r.volumeId(volumeId).instanceId(instanceId).device(device));
        await(
                "volume " + volumeId + " to be attached as " + device,
                VOLUME_TIMEOUT,
                () -> describe(volumeId).attachments().stream()
                        .anyMatch(
                                a -> instanceId.equals(a.instanceId()) && a.state() == VolumeAttachmentState.ATTACHED));
    }

    private Volume describe(String volumeId) {
        List<Volume> volumes = ec2.describeVolumes(r -> r.volumeIds(volumeId)).volumes();
        if (volumes.size() != 1) {
            throw new SnapshotException("EC2 describes " + volumes.size() + " volumes for " + volumeId);
        }
        return volumes.get(0);
    }

    /**
     * Where the attached volume appears: on Nitro instances as the NVMe device whose by-id link names the volume,
     * on Xen instances under its own name or as {@code /dev/xvdX}.
     */
    private static Path awaitBlockDevice(String volumeId, String device, Path deviceLinks) {
        Path link = deviceLinks.resolve("nvme-Amazon_Elastic_Block_Store_" + volumeId.replace("-", ""));
        List<Path> candidates = List.of(link, Path.of(device), Path.of(device.replaceFirst("^/dev/sd", "/dev/xvd")));
        await(
                "the block device of " + volumeId,
                DEVICE_TIMEOUT,
                () -> candidates.stream().anyMatch(Files::exists));
        Path found = candidates.stream().filter(Files::exists).findFirst().orElseThrow();
        try {
            return found.toRealPath();
        } catch (IOException e) {
            throw new SnapshotException("cannot resolve " + found + ": " + e.getMessage(), e);
        }
    }

    private static void mount(Path blockDevice, Path mountPoint) {
        try {
            Files.createDirectories(mountPoint);
        } catch (IOException e) {
            throw new SnapshotException("cannot create mount point " + mountPoint + ": " + e.getMessage(), e);
        }
        String type = run(
                        List.of("blkid", "-o", "value", "-s", "TYPE", blockDevice.toString()),
                        "read the filesystem type of " + blockDevice)
                .strip();
        if (type.isEmpty()) {
            throw new SnapshotException(blockDevice + " holds no filesystem; a restored volume is never formatted");
        }
        List<String> command = new ArrayList<>(List.of("mount", "-t", type));
        if (type.equals("xfs")) {
            // the copy has its original's UUID, which may be mounted on this very machine
            command.addAll(List.of("-o", "nouuid"));
        }
        command.addAll(List.of(blockDevice.toString(), mountPoint.toString()));
        run(command, "mount " + blockDevice + " at " + mountPoint);
    }

    private static String run(List<String> command, String what) {
        try {
            Process process =
                    ChildProcess.builder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new SnapshotException("cannot " + what + ": " + command.get(0) + " did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new SnapshotException("cannot " + what + ": " + output.strip());
            }
            return output;
        } catch (IOException e) {
            throw new SnapshotException("cannot " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SnapshotException("interrupted while trying to " + what, e);
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new SnapshotException("gave up waiting for " + what + " after " + timeout.toSeconds() + " s");
            }
            try {
                TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SnapshotException("interrupted while waiting for " + what, e);
            }
        }
    }
}
