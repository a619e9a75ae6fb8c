package io.steward.postgres;

import io.steward.engine.RewindFailedException.Next;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What follows a failed {@code pg_rewind}. Cloning the data directory again is the only way back for a replica that
 * cannot be rewound, but it moves the old directory aside on the same filesystem (twice the space), and a rewind that
 * failed because the primary could not be reached for a moment would rewind fine a little later. So: retry what may
 * pass; clone again only when the operator allowed it and the filesystem has room; otherwise wait for the operator.
 */
final class RewindFailure {
    /** pg_rewind's own words for a source it could not reach or lost: these pass. */
    private static final Pattern TRANSIENT = Pattern.compile(
            "could not connect|connection to server|"
                    + "server closed the connection|connection refused|timeout expired|timed out|terminating connection|"
                    + "the database system is (starting up|shutting down)|no route to host|could not translate host name",
            Pattern.CASE_INSENSITIVE);
    /** Room kept beyond the copy itself: the new clone grows while the old directory stays. */
    private static final double HEADROOM = 1.1;

    private RewindFailure() {}

    /** What to do, and the sentence that says why. */
    record Verdict(Next next, String explanation) {}

    static Verdict judge(String rewindOutput, boolean reinitializeAllowed, Path dataDir) {
        if (TRANSIENT.matcher(rewindOutput).find()) {
            return new Verdict(
                    Next.RETRY,
                    "the cause may pass (the primary could not be reached), so the rewind is "
                            + "tried again rather than the data directory cloned again");
        }
        if (!reinitializeAllowed) {
            return new Verdict(
                    Next.WAIT_FOR_OPERATOR,
                    "automatic reinitialise is off "
                            + "(postgresql.reinitialize_on_rewind_failure): this replica stays stopped until 'steward "
                            + "reinitialize' (POST /reinitialize) clones it again, moving its data directory aside");
        }
        long needed;
        long free;
        try {
            needed = (long) (sizeOf(dataDir) * HEADROOM);
            free = Files.getFileStore(dataDir).getUsableSpace();
        } catch (IOException e) {
            return new Verdict(
                    Next.WAIT_FOR_OPERATOR,
                    "not reinitialising: cannot tell whether the filesystem of " + dataDir
                            + " has room for a second copy (" + e.getMessage() + "); run 'steward reinitialize'");
        }
        if (free < needed) {
            return new Verdict(
                    Next.WAIT_FOR_OPERATOR,
                    "not reinitialising: moving " + dataDir + " aside and cloning it "
                            + "again needs about " + mib(needed) + " free on its filesystem, which has " + mib(free)
                            + "; free space (or remove old *.reinit-* directories), then run 'steward reinitialize'");
        }
        return new Verdict(
                Next.REINITIALIZE,
                "reinitialising: the data directory is moved aside and cloned again (" + mib(needed) + " needed, "
                        + mib(free) + " free)");
    }

    /** Bytes of the files under {@code directory}, links not followed (only their sizes are read). */
    static long sizeOf(Path directory) throws IOException {
        long[] total = {0};
        Files.walkFileTree(directory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                total[0] += attributes.isRegularFile() ? attributes.size() : 0;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // a file the server removed meanwhile
            }
        });
        return total[0];
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
