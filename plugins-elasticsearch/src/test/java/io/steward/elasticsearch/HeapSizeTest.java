package io.steward.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The book's heap: half of the memory, capped at 31 GiB, written once into jvm.options.d. */
class HeapSizeTest {

    @Test
    void halfOfTheMemoryCappedAt31GiB() {
        assertThat(HeapSize.heapMegabytes(8L << 30)).isEqualTo(4096);
        assertThat(HeapSize.heapMegabytes(62L << 30)).isEqualTo(31 * 1024);
        assertThat(HeapSize.heapMegabytes(256L << 30)).isEqualTo(31 * 1024);
        assertThat(HeapSize.heapMegabytes(3L << 29)).isEqualTo(768);
    }

    @Test
    void theFileIsWrittenOnceAndRewrittenOnlyWhenTheSizeChanges(@TempDir Path dir) throws Exception {
        Path options = dir.resolve("jvm.options.d");

        assertThat(HeapSize.write(options, 16L << 30)).isTrue();
        assertThat(Files.readString(options.resolve("steward-heap.options"))).contains("-Xms8192m\n-Xmx8192m\n");
        assertThat(HeapSize.write(options, 16L << 30)).isFalse();
        assertThat(HeapSize.write(options, 8L << 30)).isTrue();
        assertThat(Files.readString(options.resolve("steward-heap.options"))).contains("-Xmx4096m");
        try (var listed = Files.list(options)) {
            assertThat(listed).hasSize(1);
        }
    }
}
