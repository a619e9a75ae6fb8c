package io.steward.elasticsearch;

import io.steward.engine.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's heap as the book sizes it at launch: half of the machine's memory (the other half is the filesystem
 * cache Lucene lives on), capped at 31 GiB so that the JVM keeps compressed object pointers.
 */
final class HeapSize {
    static final long CAP_BYTES = 31L << 30;
    /** The file in {@code jvm.options.d}; Elasticsearch and OpenSearch read every {@code *.options} file there. */
    static final String FILE_NAME = "steward-heap.options";

    private static final Logger log = LoggerFactory.getLogger(HeapSize.class);

    private HeapSize() {}

    /** Half of {@code memoryBytes}, capped, in whole MiB (the JVM flags take MiB). */
    static long heapMegabytes(long memoryBytes) {
        return Math.min(memoryBytes / 2, CAP_BYTES) >> 20;
    }

    /** The options file's content: minimum and maximum equal, as Elastic advises, so the heap never resizes. */
    static String options(long heapMegabytes) {
        return "# written by Steward: half of this machine's memory, at most 31 GiB\n" + "-Xms" + heapMegabytes
                + "m\n-Xmx" + heapMegabytes + "m\n";
    }

    /**
     * Writes the heap file into {@code jvmOptionsDir} unless it already says the same; the node reads it at its next
     * start.
     *
     * @return whether the file changed
     */
    static boolean write(Path jvmOptionsDir, long memoryBytes) {
        long heap = heapMegabytes(memoryBytes);
        Path file = jvmOptionsDir.resolve(FILE_NAME);
        String wanted = options(heap);
        try {
            if (Files.exists(file) && Files.readString(file).equals(wanted)) {
                return false;
            }
            Files.createDirectories(jvmOptionsDir);
            Path written = jvmOptionsDir.resolve("." + FILE_NAME + ".tmp");
            Files.writeString(written, wanted);
            Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new EngineException("cannot write the heap size to " + file + ": " + e.getMessage(), e);
        }
        log.info(
                "heap set to {} MiB in {} (half of {} MiB of memory, at most 31 GiB); the node uses it from its next start",
                heap,
                file,
                memoryBytes >> 20);
        return true;
    }
}
