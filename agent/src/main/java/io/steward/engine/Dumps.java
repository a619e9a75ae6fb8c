package io.steward.engine;

import java.nio.file.Path;

/**
 * A database backed up by dumps of its whole dataset, which the core archives and from which a new cluster can
 * start ({@link EngineCapabilities#bootstrapDump()}).
 */
public non-sealed interface Dumps extends Capability {

    /**
     * Writes a dump of the whole dataset now and returns it once it is complete (a background save, waited for),
     * opened and checked by the engine (see {@link DumpFile}): a later dump cannot change it under the upload. Blocks
     * for as long as the dump takes, within a bound the engine chooses.
     *
     * @throws EngineException when the server is not running, or the dump fails or outlasts its bound
     */
    DumpFile dumpForBackup();

    /**
     * Creates a new cluster from a dump in an empty data directory and starts it as the writable primary, like
     * {@link LeaseElected#initializeNewCluster()} but with the dump's dataset; returns once the server has loaded it
     * and takes writes. The dump file is read, not moved; the caller deletes it afterwards.
     *
     * @throws EngineException when the data directory is not empty, the dump is not a valid one of this engine, or
     *         the server does not load it; the data directory is then left without a dataset, as before
     */
    void initializeFromDump(Path dump);
}
