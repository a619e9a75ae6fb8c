package io.steward.storage;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How EC2, IMDS and the kernel name the same EBS attachment: EC2 reports what was asked for ({@code /dev/sdf}), Xen
 * kernels show it as {@code /dev/xvdf}, IMDS {@code block-device-mapping} says {@code sdf}, and Nitro kernels show an
 * NVMe device whose by-id link names the volume.
 */
public final class DeviceNames {
    private static final Pattern EBS_LINK =
            Pattern.compile("nvme-Amazon_Elastic_Block_Store_vol([0-9a-f]{8,17})(-part\\d+)?");
    private static final Pattern XEN_STYLE = Pattern.compile("(?:xvd|sd)([a-z]+)\\d*");

    private DeviceNames() {}

    /**
     * The attachment slot a device name stands for: {@code /dev/sdf}, {@code /dev/xvdf}, {@code sdf}, {@code xvdf}
     * and their partitions ({@code /dev/xvdf1}) are all {@code sdf}; other names ({@code nvme1n1}, {@code loop3})
     * are themselves.
     */
    public static String slot(String deviceName) {
        String name = deviceName.startsWith("/dev/") ? deviceName.substring("/dev/".length()) : deviceName;
        Matcher xen = XEN_STYLE.matcher(name);
        return xen.matches() ? "sd" + xen.group(1) : name;
    }

    public static boolean sameSlot(String first, String second) {
        return slot(first).equals(slot(second));
    }

    /** The volume a by-id link name stands for ({@code nvme-Amazon_Elastic_Block_Store_vol0abc...}, or a partition). */
    public static Optional<String> volumeIdOfLink(String linkName) {
        Matcher link = EBS_LINK.matcher(linkName);
        return link.matches() ? Optional.of("vol-" + link.group(1)) : Optional.empty();
    }
}
