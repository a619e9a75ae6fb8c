package io.steward.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountsTest {
    private static final List<String> MOUNTINFO = List.of(
            "27 1 259:1 / / rw,relatime shared:1 - xfs /dev/nvme0n1p1 rw,attr2,inode64",
            "22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw",
            "95 27 259:3 / /data rw,noatime shared:40 master:2 - xfs /dev/nvme1n1 rw,attr2,inode64,logbufs=8",
            "96 95 259:4 / /data/tablespaces/fast\\040disk rw,noatime shared:41 - xfs /dev/nvme2n1 rw,attr2",
            "97 27 202:80 / /data2 rw,relatime - ext4 /dev/xvdf rw",
            "98 95 259:5 / /data rw,noatime - xfs /dev/nvme3n1 rw",
            "garbage line");

    private final List<Mounts.Mount> mounts = Mounts.parse(MOUNTINFO);

    @Test
    void parsesFieldsAroundOptionalTagsAndDecodesEscapes() {
        assertThat(mounts).hasSize(6);
        assertThat(mounts.get(2)).isEqualTo(new Mounts.Mount(Path.of("/data"), "259:3", "xfs", "/dev/nvme1n1"));
        assertThat(mounts.get(3).mountPoint()).isEqualTo(Path.of("/data/tablespaces/fast disk"));
        assertThat(mounts.get(4)).isEqualTo(new Mounts.Mount(Path.of("/data2"), "202:80", "ext4", "/dev/xvdf"));
    }

    @Test
    void theLongestMountPointHoldsAPathAndTheLastMountOverAnotherWins() {
        assertThat(Mounts.holding(mounts, Path.of("/data/tablespaces/fast disk/16384"))
                        .source())
                .isEqualTo("/dev/nvme2n1");
        assertThat(Mounts.holding(mounts, Path.of("/data/pgdata")).source())
                .as("mounted over the first /data")
                .isEqualTo("/dev/nvme3n1");
        assertThat(Mounts.holding(mounts, Path.of("/data2/x")).source())
                .as("not /data: a sibling")
                .isEqualTo("/dev/xvdf");
        assertThat(Mounts.holding(mounts, Path.of("/data/tablespaces/../../var/lib"))
                        .mountPoint())
                .isEqualTo(Path.of("/"));
    }

    @Test
    void withoutAnyMountNothingHoldsAPath() {
        StorageException e = catchThrowableOfType(
                StorageException.class, () -> Mounts.holding(Mounts.parse(List.of()), Path.of("/data")));
        assertThat(e).hasMessageContaining("/data");
    }
}
