package io.steward.engine;

import java.util.Map;

/** What a plugin runs in the agent beside its engine ({@link EnginePlugin#services}); closed when the agent stops. */
public interface EngineService extends AutoCloseable {

    /**
     * Called after each purge of expired snapshot sets with the files of the oldest restorable set still kept (what
     * the engine's {@link SnapshotHold} handed over when it was taken): whatever this service archives beside the sets
     * that only older sets needed may go now. Nothing by default.
     */
    default void oldestSetKept(Map<String, String> files) {}

    @Override
    void close();
}
