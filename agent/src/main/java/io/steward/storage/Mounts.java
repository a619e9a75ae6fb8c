package io.steward.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The mounted filesystems, from {@code /proc/self/mountinfo}. */
public final class Mounts {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private Mounts() {}

    /**
     * One mounted filesystem.
     *
     * @param mountPoint where it is mounted
     * @param device its major:minor device number
     * @param type the filesystem type (xfs, ext4, ...)
     * @param source what was mounted, e.g. /dev/nvme1n1
     */
    public record Mount(Path mountPoint, String device, String type, String source) {}

    public static List<Mount> read() throws IOException {
        return parse(Files.readAllLines(MOUNTINFO));
    }

    /**
     * Parses mountinfo lines: {@code id parent major:minor root mount-point options [optional fields] - type source
     * super-options}; octal escapes (a space is \040) are decoded.
     */
    static List<Mount> parse(List<String> lines) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.split(" ");
            int separator = List.of(fields).indexOf("-");
            if (fields.length < 10 || separator < 6 || separator + 2 >= fields.length) {
                continue;
            }
            mounts.add(new Mount(
                    Path.of(unescape(fields[4])), fields[2], fields[separator + 1], unescape(fields[separator + 2])));
        }
        return mounts;
    }

    /** The filesystem that holds {@code path}: the longest mount point it lies under (the last one mounted there). */
    public static Mount holding(List<Mount> mounts, Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Mount best = null;
        for (Mount mount : mounts) {
            if (absolute.startsWith(mount.mountPoint())
                    && (best == null
                            || mount.mountPoint().getNameCount()
                                    >= best.mountPoint().getNameCount())) {
                best = mount;
            }
        }
        if (best == null) {
            throw new StorageException("no mounted filesystem holds " + absolute);
        }
        return best;
    }

    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\'
                    && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
