package io.steward.backup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DumpPartSizeTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void theConfiguredSizeHoldsWhileTenThousandPartsOfItHoldTheDump() {
        assertThat(DumpArchive.partSizeFor(12 * MIB, 5 * MIB)).isEqualTo(5 * MIB);
        assertThat(DumpArchive.partSizeFor(10_000 * 64 * MIB, 64 * MIB)).isEqualTo(64 * MIB);
    }

    @Test
    void aDumpTooLargeForTenThousandPartsGetsLargerPartsInWholeMebibytes() {
        long stored = 10_000 * 64 * MIB + 1;
        long size = DumpArchive.partSizeFor(stored, 64 * MIB);

        assertThat(size).isEqualTo(65 * MIB);
        assertThat(-Math.floorDiv(-stored, size)).as("parts").isLessThanOrEqualTo(DumpArchive.MAX_PARTS);
        assertThat(DumpArchive.partSizeFor(2_000L * 1024 * MIB, 5 * MIB))
                .as("2 TiB in 5 MiB parts")
                .isEqualTo(205 * MIB);
    }
}
