package io.steward.storage;

import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Volume;
import software.amazon.awssdk.services.ec2.model.VolumeAttachment;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which EBS volumes of this instance hold given directories: each directory's filesystem, its block device, and the
 * volume attached as that device, found through the by-id links Nitro instances have
 * ({@code nvme-Amazon_Elastic_Block_Store_vol...}) or else through the attachments {@code DescribeVolumes} lists
 * ({@code /dev/sdf} and {@code /dev/xvdf} name the same slot).
 */
public final class Ec2VolumeFinder implements VolumeFinder {
    private static final Pattern EBS_LINK = Pattern.compile("nvme-Amazon_Elastic_Block_Store_vol([0-9a-f]+)");

    private final Ec2Client ec2;
    private final String instanceId;
    private final Path deviceLinks;

    public Ec2VolumeFinder(Ec2Client ec2, String instanceId, Path deviceLinks) {
        this.ec2 = ec2;
        this.instanceId = instanceId;
        this.deviceLinks = deviceLinks;
    }

    @Override
    public List<DataVolume> volumesHolding(List<Path> paths) {
        List<Mounts.Mount> mounts;
        try {
            mounts = Mounts.read();
        } catch (IOException e) {
            throw new StorageException("cannot read the mounted filesystems: " + e.getMessage(), e);
        }
        Map<Path, List<Path>> pathsByMount = new LinkedHashMap<>();
        Map<Path, Mounts.Mount> mountsByPoint = new LinkedHashMap<>();
        for (Path path : paths) {
            Mounts.Mount mount = Mounts.holding(mounts, path);
            if (mount.mountPoint().equals(Path.of("/"))) {
                throw new StorageException(path + " is on the root filesystem; data must live on its own EBS volume "
                        + "so that it can be frozen and snapshotted");
            }
            mountsByPoint.put(mount.mountPoint(), mount);
            pathsByMount.computeIfAbsent(mount.mountPoint(), key -> new ArrayList<>()).add(path);
        }
        List<Volume> attached = ec2.describeVolumesPaginator(r -> r.filters(
                f -> f.name("attachment.instance-id").values(instanceId))).volumes().stream().toList();
        List<DataVolume> found = new ArrayList<>();
        for (Map.Entry<Path, Mounts.Mount> entry : mountsByPoint.entrySet()) {
            Mounts.Mount mount = entry.getValue();
            Path device = realDevice(mount);
            Volume volume = byLink(device).flatMap(id -> attached.stream().filter(v -> v.volumeId().equals(id)).findFirst())
                    .or(() -> byAttachment(device, attached))
                    .orElseThrow(() -> new StorageException(mount.mountPoint() + " is on " + mount.source()
                            + ", which is not an EBS volume attached to " + instanceId));
            String attachedAs = volume.attachments().stream().filter(a -> instanceId.equals(a.instanceId()))
                    .map(VolumeAttachment::device).findFirst().orElse("");
            found.add(new DataVolume(volume.volumeId(), mount.mountPoint(), attachedAs, volume.size(),
                    pathsByMount.get(entry.getKey())));
        }
        return List.copyOf(found);
    }

    private static Path realDevice(Mounts.Mount mount) {
        try {
            return Path.of(mount.source()).toRealPath();
        } catch (IOException e) {
            throw new StorageException(mount.mountPoint() + " is mounted from " + mount.source()
                    + ", which is not a block device here", e);
        }
    }

    /** The volume id whose by-id link resolves to {@code device}. */
    private Optional<String> byLink(Path device) {
        if (!Files.isDirectory(deviceLinks)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> links = Files.newDirectoryStream(deviceLinks)) {
            for (Path link : links) {
                Matcher name = EBS_LINK.matcher(link.getFileName().toString());
                if (name.matches() && link.toRealPath().equals(device)) {
                    return Optional.of("vol-" + name.group(1));
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot read the device links in " + deviceLinks + ": " + e.getMessage(), e);
        }
        return Optional.empty();
    }

    /** The volume attached under the device's own name (Xen instances), {@code sd} and {@code xvd} alike. */
    private Optional<Volume> byAttachment(Path device, List<Volume> attached) {
        String name = slot(device.toString());
        return attached.stream().filter(volume -> volume.attachments().stream()
                .anyMatch(a -> instanceId.equals(a.instanceId()) && slot(a.device()).equals(name))).findFirst();
    }

    static String slot(String device) {
        return device.replaceFirst("^/dev/xvd", "/dev/sd").replaceFirst("^(/dev/sd[a-z]+)\\d+$", "$1");
    }
}
