package io.steward.postgres.wal;

import io.steward.files.CheckedInput;
import io.steward.files.FileOwner;
import io.steward.files.FileVersion;
import io.steward.files.HeldDirectory;
import io.steward.store.ArchivedObjectMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads the segments PostgreSQL has already marked ready ({@code pg_wal/archive_status/<name>.ready}) while its
 * archive_command is still busy with an earlier one, as WAL-G and pgBackRest's asynchronous mode do. PostgreSQL
 * archives one file at a time, so without this a burst of WAL is archived at the pace of one upload after another.
 *
 * <p>The agent is root and the WAL directory the database user's: a segment is read through the held WAL directory
 * and only when it is a regular file of that user with one link, so that nothing else can be uploaded this way.
 * Nothing is acknowledged early: a file counts as archived only when PostgreSQL sends it and its upload ahead
 * succeeded for the same content (SHA-256 and size). Other content under that name is refused as a conflict with
 * what the archive now holds; after a failed upload ahead the request pushes the file itself.
 */
final class WalPushAhead implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalPushAhead.class);
    private static final String READY = ".ready";
    /** Uploads whose file PostgreSQL never asked for (e.g. a server stopped in between) are forgotten beyond this. */
    private static final int MAX_TRACKED = 64;

    private final WalArchive archive;
    private final int parallel;
    private final Supplier<Path> walDirectory;
    private final FileOwner databaseUser;
    private final ExecutorService uploads;
    private final Map<String, Future<EarlyUpload>> byName = new ConcurrentHashMap<>();

    /**
     * What was uploaded ahead, and how the upload ended.
     *
     * @param version the version of the file read, when it did not change while it was read
     */
    private record EarlyUpload(ArchivedObjectMetadata content, Optional<FileVersion> version, PushResult result) {}

    /**
     * @param parallel uploads ahead at once; 0 switches pushing ahead off
     * @param walDirectory where PostgreSQL keeps its WAL ({@code pg_wal}), asked before each request
     * @param databaseUser the owner of the WAL directory and of every file read from it
     */
    WalPushAhead(WalArchive archive, int parallel, Supplier<Path> walDirectory, FileOwner databaseUser) {
        this.archive = archive;
        this.parallel = parallel;
        this.walDirectory = walDirectory;
        this.databaseUser = databaseUser;
        this.uploads = Executors.newFixedThreadPool(Math.max(1, parallel), runnable -> {
            Thread thread = new Thread(runnable, "wal-push-ahead");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Archives the file {@code name} of PostgreSQL's request, whose {@code size} bytes {@code content} brings, and
     * starts uploading the next ready files. When an upload ahead of a file of that size succeeded, the bytes are
     * only hashed, to prove that they are what was uploaded; otherwise they are compressed and uploaded as they
     * arrive.
     */
    PushResult push(String name, long size, InputStream content) throws WalArchiveException {
        Future<EarlyUpload> early = byName.remove(name);
        startAhead(name);
        Optional<EarlyUpload> uploaded = early == null ? Optional.empty() : outcome(early);
        if (uploaded.isPresent() && uploaded.get().content().size() == size) {
            return archive.confirmStored(
                    name, content, uploaded.get().content(), uploaded.get().result());
        }
        return archive.push(name, content);
    }

    /**
     * Archives the file {@code name} of PostgreSQL's request without its bytes, when the upload ahead of it succeeded
     * and read exactly {@code version} of it, and starts uploading the next ready files. Empty otherwise: the request
     * then sends the file.
     */
    Optional<PushResult> confirm(String name, FileVersion version) {
        Future<EarlyUpload> early = byName.remove(name);
        startAhead(name);
        if (early == null) {
            return Optional.empty();
        }
        Optional<EarlyUpload> uploaded = outcome(early);
        if (uploaded.isPresent()
                && uploaded.get().version().filter(version::equals).isPresent()) {
            return Optional.of(uploaded.get().result());
        }
        // the file's bytes come next, in a push: they are then compared with what this upload read
        byName.putIfAbsent(name, early);
        return Optional.empty();
    }

    private static Optional<EarlyUpload> outcome(Future<EarlyUpload> upload) {
        try {
            return Optional.of(upload.get());
        } catch (ExecutionException e) {
            return Optional.empty(); // the request pushes it again and reports what fails then
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private void startAhead(String requested) {
        if (parallel == 0) {
            return;
        }
        Path walDir;
        try {
            walDir = walDirectory.get();
        } catch (RuntimeException e) {
            log.debug("no WAL directory to push ahead from: {}", e.getMessage());
            return;
        }
        forgetUnclaimed(walDir);
        long running =
                byName.values().stream().filter(upload -> !upload.isDone()).count();
        for (String name : readyNames(walDir)) {
            if (running >= parallel || byName.size() >= MAX_TRACKED) {
                return;
            }
            if (name.equals(requested) || byName.containsKey(name)) {
                continue;
            }
            byName.put(name, uploads.submit(() -> uploadAhead(walDir, name)));
            running++;
        }
    }

    private EarlyUpload uploadAhead(Path walDir, String name) throws IOException, WalArchiveException {
        try (HeldDirectory wal = HeldDirectory.open(walDir, databaseUser);
                CheckedInput segment = wal.openForReading(name);
                StagedUpload staged = archive.stage(name, segment)) {
            Optional<FileVersion> version =
                    segment.unchangedSinceOpened() ? Optional.of(segment.stat().version()) : Optional.empty();
            return new EarlyUpload(staged.metadata(), version, archive.upload(staged));
        }
    }

    /** Finished uploads of files that are no longer ready: PostgreSQL archived them some other way, or removed them. */
    private void forgetUnclaimed(Path walDir) {
        byName.entrySet()
                .removeIf(entry -> entry.getValue().isDone()
                        && !Files.exists(walDir.resolve("archive_status").resolve(entry.getKey() + READY)));
    }

    /**
     * The WAL files PostgreSQL has marked ready, oldest first (the order it archives them in). Only names are read
     * here, and only names of WAL files are kept: each file is then opened through the held WAL directory.
     */
    private static List<String> readyNames(Path walDirectory) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> markers =
                Files.newDirectoryStream(walDirectory.resolve("archive_status"), "*" + READY)) {
            for (Path marker : markers) {
                String name = marker.getFileName().toString();
                name = name.substring(0, name.length() - READY.length());
                if (WalFileName.isWalFileName(name)) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            log.debug("no ready WAL files to push ahead in {}: {}", walDirectory, e.getMessage());
        }
        names.sort(null);
        return names;
    }

    @Override
    public void close() {
        uploads.shutdownNow();
    }
}
