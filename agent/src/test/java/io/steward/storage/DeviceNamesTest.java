package io.steward.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeviceNamesTest {
    @Test
    void ec2XenAndImdsNamesOfOneAttachmentAreTheSameSlot() {
        assertThat(DeviceNames.sameSlot("/dev/sdf", "/dev/xvdf")).isTrue();
        assertThat(DeviceNames.sameSlot("/dev/sdf", "sdf"))
                .as("IMDS block-device-mapping")
                .isTrue();
        assertThat(DeviceNames.sameSlot("xvdf", "/dev/sdf")).isTrue();
        assertThat(DeviceNames.sameSlot("/dev/sda1", "/dev/xvda1"))
                .as("the root device")
                .isTrue();
        assertThat(DeviceNames.sameSlot("/dev/sdf", "/dev/xvdf1"))
                .as("a partition of the volume")
                .isTrue();
        assertThat(DeviceNames.sameSlot("/dev/xvdba", "/dev/sdba")).isTrue();
    }

    @Test
    void differentSlotsAndOtherDevicesDoNotMatch() {
        assertThat(DeviceNames.sameSlot("/dev/sdf", "/dev/sdg")).isFalse();
        assertThat(DeviceNames.sameSlot("/dev/sdf", "/dev/xvdfa")).isFalse();
        assertThat(DeviceNames.sameSlot("/dev/nvme1n1", "/dev/nvme1n2")).isFalse();
        assertThat(DeviceNames.slot("/dev/nvme1n1"))
                .as("NVMe names keep their digits")
                .isEqualTo("nvme1n1");
        assertThat(DeviceNames.slot("/dev/loop3")).isEqualTo("loop3");
        assertThat(DeviceNames.sameSlot("/dev/loop3", "loop3")).isTrue();
    }

    @Test
    void byIdLinksNameTheVolumeAlsoForPartitions() {
        assertThat(DeviceNames.volumeIdOfLink("nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0"))
                .contains("vol-0123456789abcdef0");
        assertThat(DeviceNames.volumeIdOfLink("nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0-part1"))
                .contains("vol-0123456789abcdef0");
        assertThat(DeviceNames.volumeIdOfLink("nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0_1"))
                .isEmpty();
        assertThat(DeviceNames.volumeIdOfLink("nvme-Amazon_EC2_NVMe_Instance_Storage_AWS1234"))
                .isEmpty();
        assertThat(DeviceNames.volumeIdOfLink("nvme-nvme.1d0f-766f6c30-416d617a6f6e-00000001"))
                .isEmpty();
    }
}
