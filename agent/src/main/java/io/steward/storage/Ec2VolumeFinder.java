package io.steward.storage;

import io.steward.config.StorageConfig;
import io.steward.config.TablespaceConfig;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ec2.model.VolumeAttachment;

/**
 * Which EBS volumes of this instance hold given directories: each directory's filesystem (the longest mount point
 * above it), that filesystem's block device, and the volume attached as that device, found, in this order, through
 * {@code storage.volumes}, the by-id links Nitro instances have ({@code nvme-Amazon_Elastic_Block_Store_vol...}), or
 * the attachment names {@code DescribeVolumes} lists ({@code /dev/sdf} and {@code /dev/xvdf} name the same slot).
 */
public final class Ec2VolumeFinder implements VolumeFinder {
    private static final Logger log = LoggerFactory.getLogger(Ec2VolumeFinder.class);
    private static final Path ROOT = Path.of("/");
    private static final Path BLOCK_DEVICES_BY_NUMBER = Path.of("/sys/dev/block");

    private final Ec2Client ec2;
    private final String instanceId;
    private final Path deviceLinks;
    private final Map<Path, String> configuredVolumes;
    private final List<TablespaceConfig> tablespaces;

    public Ec2VolumeFinder(Ec2Client ec2, String instanceId, StorageConfig storage) {
        this.ec2 = ec2;
        this.instanceId = instanceId;
        this.deviceLinks = storage.deviceLinks();
        this.configuredVolumes = storage.volumes();
        this.tablespaces = storage.tablespaces();
    }

    /** Without configuration: by-id links, then attachment names; no tablespace names. */
    public Ec2VolumeFinder(Ec2Client ec2, String instanceId, Path deviceLinks) {
        this(
                ec2,
                instanceId,
                new StorageConfig(List.of(), StorageConfig.DEFAULT_FREEZE_TIMEOUT, deviceLinks, Map.of(), Map.of()));
    }

    private record Found(String volumeId, String how) {}

    /**
     * @throws StorageException naming the path and its mount when a path is on {@code /} or on a device that is not
     *                          an EBS volume of this instance, or when {@code storage.volumes} names a volume that is
     *                          not attached here
     */
    @Override
    public List<DataVolume> volumesHolding(List<Path> paths) {
        List<Mounts.Mount> mounts;
        try {
            mounts = Mounts.read();
        } catch (IOException e) {
            throw new StorageException("cannot read the mounted filesystems: " + e.getMessage(), e);
        }
        Map<Mounts.Mount, List<Path>> pathsByMount = new LinkedHashMap<>();
        for (Path path : paths) {
            Mounts.Mount mount = Mounts.holding(mounts, resolved(path));
            if (mount.mountPoint().equals(ROOT)) {
                throw new StorageException(
                        "data path " + path + " is on the root filesystem (/, mounted from " + mount.source()
                                + "); data must live on its own EBS volume so that it can be frozen and snapshotted");
            }
            pathsByMount.computeIfAbsent(mount, key -> new ArrayList<>()).add(path);
        }
        List<Volume> attached = ec2
                .describeVolumesPaginator(
                        r -> r.filters(f -> f.name("attachment.instance-id").values(instanceId)))
                .volumes()
                .stream()
                .toList();
        List<DataVolume> found = new ArrayList<>();
        pathsByMount.forEach((mount, onIt) -> found.add(identify(mount, onIt, attached)));
        return List.copyOf(found);
    }

    private DataVolume identify(Mounts.Mount mount, List<Path> paths, List<Volume> attached) {
        String device = blockDevice(mount, paths);
        Found found = configured(mount, device)
                .or(() -> byLink(device))
                .or(() -> byAttachmentName(device, attached))
                .orElseThrow(() -> new StorageException("data path " + paths.get(0) + " is on " + mount.mountPoint()
                        + " (" + device + "), which is not an EBS volume attached to " + instanceId
                        + ": no storage.volumes "
                        + "entry for it, no by-id link to it in " + deviceLinks + ", and no attachment named like it"));
        Volume volume = attached.stream()
                .filter(v -> v.volumeId().equals(found.volumeId()))
                .findFirst()
                .orElseThrow(
                        () -> new StorageException("data path " + paths.get(0) + " is on " + mount.mountPoint() + " ("
                                + device + "), which " + found.how() + " says is " + found.volumeId()
                                + ", but EC2 lists no such "
                                + "volume attached to " + instanceId));
        String attachedAs = volume.attachments().stream()
                .filter(a -> instanceId.equals(a.instanceId()))
                .map(VolumeAttachment::device)
                .findFirst()
                .orElse("");
        List<String> names = tablespaces.stream()
                .filter(t -> DeviceNames.sameSlot(t.device(), attachedAs))
                .map(TablespaceConfig::name)
                .toList();
        log.info(
                "{} ({}, attached as {}) holds {}{}: found by {}",
                volume.volumeId(),
                mount.mountPoint(),
                attachedAs,
                paths.stream().map(Path::toString).collect(Collectors.joining(", ")),
                names.isEmpty() ? "" : " (tablespaces " + String.join(", ", names) + ")",
                found.how());
        return new DataVolume(volume.volumeId(), mount.mountPoint(), attachedAs, volume.size(), paths, names);
    }

    /** Symbolic links followed, so that a data directory linked elsewhere counts where its files are. */
    private static Path resolved(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /**
     * The kernel's name of the mounted block device, from its device number: works also where the mount source is a
     * name that does not exist in /dev ({@code /dev/root}).
     */
    private static String blockDevice(Mounts.Mount mount, List<Path> paths) {
        Path byNumber = BLOCK_DEVICES_BY_NUMBER.resolve(mount.device());
        try {
            return "/dev/" + byNumber.toRealPath().getFileName();
        } catch (IOException e) {
            throw new StorageException(
                    "data path " + paths.get(0) + " is on " + mount.mountPoint() + ", mounted from " + mount.source()
                            + " (" + mount.type() + "), which is not a block device",
                    e);
        }
    }

    private Optional<Found> configured(Mounts.Mount mount, String device) {
        return configuredVolumes.entrySet().stream()
                .filter(entry -> entry.getKey().equals(mount.mountPoint()) || names(entry.getKey(), device))
                .findFirst()
                .map(entry -> new Found(entry.getValue(), "storage.volumes (" + entry.getKey() + ")"));
    }

    /** Whether a configured device path is this device: the same node after links, or the same attachment slot. */
    private static boolean names(Path configured, String device) {
        try {
            if (Files.exists(configured) && configured.toRealPath().equals(Path.of(device))) {
                return true;
            }
        } catch (IOException e) {
            // not resolvable here: compare names only
        }
        return configured.startsWith("/dev") && DeviceNames.sameSlot(configured.toString(), device);
    }

    private Optional<Found> byLink(String device) {
        if (!Files.isDirectory(deviceLinks)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> links = Files.newDirectoryStream(deviceLinks)) {
            for (Path link : links) {
                Optional<String> volumeId =
                        DeviceNames.volumeIdOfLink(link.getFileName().toString());
                if (volumeId.isPresent()
                        && Files.exists(link)
                        && link.toRealPath().equals(Path.of(device))) {
                    return Optional.of(new Found(volumeId.get(), "the by-id link " + link));
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot read the device links in " + deviceLinks + ": " + e.getMessage(), e);
        }
        return Optional.empty();
    }

    /** Xen instances: the kernel shows the attachment under its own name ({@code /dev/xvdf} for {@code /dev/sdf}). */
    private Optional<Found> byAttachmentName(String device, List<Volume> attached) {
        return attached.stream()
                .filter(volume -> volume.attachments().stream()
                        .anyMatch(a -> instanceId.equals(a.instanceId()) && DeviceNames.sameSlot(a.device(), device)))
                .findFirst()
                .map(volume -> new Found(volume.volumeId(), "its attachment name in DescribeVolumes"));
    }
}
