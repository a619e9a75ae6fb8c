package io.steward.engine;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What an engine configured this way can do, as its plugin declares it from the configuration alone: the core checks
 * the rest of the configuration against it and sets up its HA rules before any engine is built.
 *
 * @param capabilities what its engine has beyond the core {@link Engine}: exactly what {@link Engine#capability}
 *        finds (checked when the engine is built)
 * @param replicationStyle how Steward arranges its replicas and picks a new primary; present exactly when it has
 *        {@link LeaseElected}, and empty when the database elects its own primary
 * @param bootstrapDump the archived dump this node asks to start a new cluster from (named in the engine's
 *        section or the book's user data), already validated; only with {@link Dumps}. Only the member that creates
 *        the cluster uses it: members joining an existing cluster copy from its primary
 * @param mayCreateCluster whether this node may create a new cluster at all (an arbiter, which holds no data, may
 *        not); {@code bootstrap.mode} decides beside it. Only with a capability that creates one
 */
public record EngineCapabilities(
        Set<Class<? extends Capability>> capabilities,
        Optional<ReplicationStyle> replicationStyle,
        Optional<DumpSelector> bootstrapDump,
        boolean mayCreateCluster) {

    public EngineCapabilities {
        capabilities = Set.copyOf(capabilities);
        boolean leaseElected = capabilities.contains(LeaseElected.class);
        if (replicationStyle.isPresent() != leaseElected) {
            throw new IllegalArgumentException("a replication style goes with LeaseElected, and only with it");
        }
        if (!leaseElected
                && (capabilities.contains(ReplicationSlots.class)
                        || capabilities.contains(SynchronousStandbys.class))) {
            throw new IllegalArgumentException("replication slots and synchronous standbys need LeaseElected");
        }
        if (leaseElected && capabilities.contains(ManagedMembership.class)) {
            throw new IllegalArgumentException("a primary is elected by Steward or by the database, not both");
        }
        if (bootstrapDump.isPresent() && !capabilities.contains(Dumps.class)) {
            throw new IllegalArgumentException("a bootstrap dump needs Dumps");
        }
        if (mayCreateCluster && !leaseElected && !capabilities.contains(ManagedMembership.class)) {
            throw new IllegalArgumentException("only LeaseElected or ManagedMembership create a cluster");
        }
    }

    /** Steward elects the primary through its lease and arranges the replicas this way; a node may create the cluster. */
    public static EngineCapabilities electedBySteward(ReplicationStyle style) {
        return new EngineCapabilities(Set.of(LeaseElected.class), Optional.of(style), Optional.empty(), true);
    }

    /** The database elects its own primary: Steward only observes it, and creates no cluster. */
    public static EngineCapabilities electedByTheDatabase() {
        return new EngineCapabilities(Set.of(), Optional.empty(), Optional.empty(), false);
    }

    /** The same, with {@code capability} too. */
    public EngineCapabilities with(Class<? extends Capability> capability) {
        Set<Class<? extends Capability>> more = new HashSet<>(capabilities);
        more.add(capability);
        return new EngineCapabilities(more, replicationStyle, bootstrapDump, mayCreateCluster);
    }

    /** The same, with a new cluster starting from {@code dump} when one is given. */
    public EngineCapabilities startingFrom(Optional<DumpSelector> dump) {
        return new EngineCapabilities(capabilities, replicationStyle, dump, mayCreateCluster);
    }

    /** The same, with this node allowed to create the cluster or not. */
    public EngineCapabilities creatingClusters(boolean may) {
        return new EngineCapabilities(capabilities, replicationStyle, bootstrapDump, may);
    }

    public boolean has(Class<? extends Capability> capability) {
        return capabilities.contains(capability);
    }

    /** Whether the database elects its own primary (a replica set, a search cluster); then the core only observes. */
    public boolean electsOwnPrimary() {
        return replicationStyle.isEmpty();
    }

    /**
     * Checks that a built engine has exactly the declared capabilities, so that what the configuration was checked
     * against is what the agent runs.
     *
     * @throws IllegalStateException naming the capabilities that differ: a bug of the plugin
     */
    public void requireImplementedBy(Engine engine) {
        List<String> missing = all().stream()
                .filter(c -> has(c) && engine.capability(c).isEmpty())
                .map(Class::getSimpleName)
                .sorted()
                .toList();
        List<String> undeclared = all().stream()
                .filter(c -> !has(c) && engine.capability(c).isPresent())
                .map(Class::getSimpleName)
                .sorted()
                .toList();
        if (!missing.isEmpty() || !undeclared.isEmpty()) {
            throw new IllegalStateException(engine.getClass().getName() + " does not have the capabilities its plugin "
                    + "declared: missing " + missing + ", undeclared " + undeclared);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Class<? extends Capability>> all() {
        return Arrays.stream(Capability.class.getPermittedSubclasses())
                .<Class<? extends Capability>>map(c -> (Class<? extends Capability>) c)
                .toList();
    }
}
