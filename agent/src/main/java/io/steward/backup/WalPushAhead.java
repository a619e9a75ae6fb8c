package io.steward.backup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * Uploads the segments PostgreSQL has already marked ready ({@code pg_wal/archive_status/<name>.ready}) while its
 * archive_command is still busy with an earlier one, as WAL-G and pgBackRest's asynchronous mode do. PostgreSQL
 * archives one file at a time, so without this a burst of WAL is archived at the pace of one upload after another.
 *
 * <p>Nothing is acknowledged early: a file counts as archived only when PostgreSQL asks for it and its upload ahead
 * succeeded for the file as it is now (same length, modification time and inode). Anything else, a failed upload
 * ahead included, is pushed again in the request itself, where a conflict with what the archive holds is reported.
 */
final class WalPushAhead implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalPushAhead.class);
    private static final String READY = ".ready";
    /** Uploads whose file PostgreSQL never asked for (e.g. a server stopped in between) are forgotten beyond this. */
    private static final int MAX_TRACKED = 64;

    private final WalArchive archive;
    private final int parallel;
    private final Predicate<Path> mayRead;
    private final ExecutorService uploads;
    private final Map<String, Upload> byName = new ConcurrentHashMap<>();

    private record Identity(long size, FileTime modified, Object fileKey) {
        static Optional<Identity> of(Path file) {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                return Optional.of(new Identity(attributes.size(), attributes.lastModifiedTime(), attributes.fileKey()));
            } catch (IOException e) {
                return Optional.empty();
            }
        }
    }

    private record Upload(Path file, Identity identity, Future<PushResult> result) {
    }

    /**
     * @param parallel uploads ahead at once; 0 switches pushing ahead off
     * @param mayRead whether a file found ready may be read on the database's behalf (checked before each upload)
     */
    WalPushAhead(WalArchive archive, int parallel, Predicate<Path> mayRead) {
        this.archive = archive;
        this.parallel = parallel;
        this.mayRead = mayRead;
        this.uploads = Executors.newFixedThreadPool(Math.max(1, parallel), runnable -> {
            Thread thread = new Thread(runnable, "wal-push-ahead");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Archives {@code file} (PostgreSQL's request), and starts uploading the next ready ones beside it. */
    PushResult push(Path file) throws WalArchiveException {
        Upload early = byName.remove(String.valueOf(file.getFileName()));
        startAhead(file);
        if (early != null && early.file().equals(file)) {
            Optional<PushResult> result = outcome(early);
            if (result.isPresent() && Identity.of(file).filter(early.identity()::equals).isPresent()) {
                return result.get();
            }
        }
        return archive.push(file);
    }

    private static Optional<PushResult> outcome(Upload upload) {
        try {
            return Optional.of(upload.result().get());
        } catch (ExecutionException e) {
            return Optional.empty(); // the request pushes it again and reports what fails then
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private void startAhead(Path requested) {
        if (parallel == 0 || requested.getParent() == null) {
            return;
        }
        forgetUnclaimed();
        long running = byName.values().stream().filter(upload -> !upload.result().isDone()).count();
        for (String name : readyNames(requested.getParent())) {
            if (running >= parallel || byName.size() >= MAX_TRACKED) {
                return;
            }
            Path file = requested.resolveSibling(name);
            if (name.equals(String.valueOf(requested.getFileName())) || byName.containsKey(name) || !mayRead.test(file)) {
                continue;
            }
            Optional<Identity> identity = Identity.of(file);
            if (identity.isPresent()) {
                byName.put(name, new Upload(file, identity.get(), uploads.submit(() -> archive.push(file))));
                running++;
            }
        }
    }

    /** Finished uploads of files that are no longer ready: PostgreSQL archived them some other way, or removed them. */
    private void forgetUnclaimed() {
        byName.entrySet().removeIf(entry -> entry.getValue().result().isDone()
                && !Files.exists(readyMarker(entry.getValue().file())));
    }

    private static Path readyMarker(Path file) {
        return file.resolveSibling("archive_status").resolve(file.getFileName() + READY);
    }

    /** The WAL files PostgreSQL has marked ready, oldest first (the order it archives them in). */
    private static List<String> readyNames(Path walDirectory) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> markers = Files.newDirectoryStream(walDirectory.resolve("archive_status"), "*" + READY)) {
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
