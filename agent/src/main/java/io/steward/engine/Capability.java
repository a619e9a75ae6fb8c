package io.steward.engine;

/**
 * Something an engine can do beyond the core {@link Engine}, which it has only when its database has it. The core
 * knows each one by its interface and asks for it with {@link Engine#capability}; a plugin declares which ones its
 * engine has before building it ({@link EngineCapabilities}), so that the configuration is checked without an engine.
 */
public sealed interface Capability
        permits LeaseElected,
                ReplicationSlots,
                SynchronousStandbys,
                ManagedMembership,
                VolumeSnapshots,
                SnapshotRecovery,
                Dumps,
                NativeBackup,
                Archiving,
                ClientConnections,
                ReplayDelay,
                PendingRestart,
                Restartable {}
