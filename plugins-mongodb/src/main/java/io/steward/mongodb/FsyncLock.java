package io.steward.mongodb;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoClient;
import io.steward.engine.EngineException;
import io.steward.engine.SnapshotHold;
import io.steward.engine.SnapshotMarks;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mongod's fsync lock around a volume snapshot, on a connection of its own: every write is flushed to disk and
 * further writes wait until the lock is lifted, so the frozen volume holds a consistent copy. It is lifted on
 * release, on close (a failed snapshot), and by a watchdog once {@code fsync_lock_limit} has passed, whichever
 * comes first: a forgotten lock would stop every write to the set's primary, or the replication to a secondary.
 */
final class FsyncLock implements SnapshotHold {
    private static final Logger log = LoggerFactory.getLogger(FsyncLock.class);

    private final MongoClient connection;
    private final String label;
    private final long term;
    private final AtomicBoolean lifted = new AtomicBoolean();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "fsync-lock-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    private FsyncLock(MongoClient connection, String label, long term) {
        this.connection = connection;
        this.label = label;
        this.term = term;
    }

    /** Locks now; the connection is the lock's own and is closed when the lock is lifted. */
    static FsyncLock take(MongoClient connection, Duration limit, String label, long term) {
        FsyncLock lock = new FsyncLock(connection, label, term);
        try {
            Document answer = MongoEngine.command(connection, new Document("fsync", 1).append("lock", true));
            log.info("fsync lock taken for snapshot {} (lock count {})", label, answer.get("lockCount"));
        } catch (EngineException e) {
            if (!(e.getCause() instanceof MongoCommandException)) {
                // no answer is not a refusal: the server may have locked and its reply been lost
                lock.lift();
            }
            lock.watchdog.shutdownNow();
            connection.close();
            throw e;
        }
        lock.watchdog.schedule(
                () -> {
                    if (!lock.lifted.get()) {
                        log.error(
                                "fsync lock for snapshot {} held for {} s (mongodb.fsync_lock_limit); lifting it",
                                label,
                                limit.toSeconds());
                        lock.lift();
                    }
                },
                limit.toMillis(),
                TimeUnit.MILLISECONDS);
        return lock;
    }

    @Override
    public long startPosition() {
        return -1;
    }

    @Override
    public long timeline() {
        return term;
    }

    /** @throws EngineException when the lock was already lifted by the watchdog: the snapshot may not be consistent */
    @Override
    public SnapshotMarks release() {
        if (!lift()) {
            throw new EngineException("the fsync lock for snapshot " + label + " was lifted by its watchdog before the "
                    + "snapshot finished; it may not be consistent");
        }
        return new SnapshotMarks(-1, -1, term, Map.of());
    }

    @Override
    public void close() {
        lift();
    }

    /** @return whether this call lifted it (false when it was lifted before) */
    private boolean lift() {
        if (!lifted.compareAndSet(false, true)) {
            return false;
        }
        try {
            MongoEngine.command(connection, new Document("fsyncUnlock", 1));
            log.info("fsync lock for snapshot {} lifted", label);
        } catch (EngineException e) {
            log.error("could not lift the fsync lock for snapshot {}: {}", label, e.getMessage());
        } finally {
            watchdog.shutdownNow();
            connection.close();
        }
        return true;
    }
}
