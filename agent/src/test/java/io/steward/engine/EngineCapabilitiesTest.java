package io.steward.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What a plugin declares of its engine, and the check that the built engine has exactly that. */
class EngineCapabilitiesTest {
    private static final ReplicationStyle STAR = new ReplicationStyle(
            ReplicationStyle.Topology.STAR, ReplicationStyle.CandidateOrder.MOST_ADVANCED_FIRST, true);

    @Test
    void stewardElectsThePrimaryOfALeaseElectedEngine() {
        EngineCapabilities declared = EngineCapabilities.electedBySteward(STAR).with(SynchronousStandbys.class);

        assertThat(declared.electsOwnPrimary()).isFalse();
        assertThat(declared.replicationStyle()).contains(STAR);
        assertThat(declared.has(LeaseElected.class)).isTrue();
        assertThat(declared.has(SynchronousStandbys.class)).isTrue();
        assertThat(declared.has(ReplicationSlots.class)).isFalse();
        assertThat(declared.mayCreateCluster()).isTrue();
        assertThat(declared.bootstrapDump()).isEmpty();
    }

    @Test
    void aDatabaseThatElectsItsOwnPrimaryCreatesAClusterOnlyWithAMemberListOfItsOwn() {
        EngineCapabilities observed = EngineCapabilities.electedByTheDatabase();
        assertThat(observed.electsOwnPrimary()).isTrue();
        assertThat(observed.replicationStyle()).isEmpty();
        assertThat(observed.mayCreateCluster()).isFalse();
        assertThatThrownBy(() -> observed.creatingClusters(true)).isInstanceOf(IllegalArgumentException.class);

        EngineCapabilities arbiter = observed.with(ManagedMembership.class).creatingClusters(false);
        assertThat(arbiter.mayCreateCluster()).isFalse();
        assertThat(arbiter.creatingClusters(true).mayCreateCluster()).isTrue();
    }

    @Test
    void capabilitiesThatContradictEachOtherAreNotDeclared() {
        EngineCapabilities observed = EngineCapabilities.electedByTheDatabase();
        assertThatThrownBy(() -> observed.with(ReplicationSlots.class)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> observed.with(SynchronousStandbys.class)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> observed.with(LeaseElected.class)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EngineCapabilities.electedBySteward(STAR).with(ManagedMembership.class))
                .isInstanceOf(IllegalArgumentException.class);
        Optional<DumpSelector> dump = Optional.of(DumpSelector.parse("latest"));
        assertThatThrownBy(() -> EngineCapabilities.electedBySteward(STAR).startingFrom(dump))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(EngineCapabilities.electedBySteward(STAR)
                        .with(Dumps.class)
                        .startingFrom(dump)
                        .bootstrapDump())
                .isEqualTo(dump);
    }

    @Test
    void aBuiltEngineHasExactlyTheDeclaredCapabilities() {
        EngineCapabilities declared = EngineCapabilities.electedByTheDatabase().with(VolumeSnapshots.class);

        declared.requireImplementedBy(new SnapshottedEngine());

        assertThatThrownBy(() -> declared.with(ManagedMembership.class).requireImplementedBy(new SnapshottedEngine()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("missing [ManagedMembership]");
        assertThatThrownBy(
                        () -> EngineCapabilities.electedByTheDatabase().requireImplementedBy(new SnapshottedEngine()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("undeclared [VolumeSnapshots]");
    }

    @Test
    void anEngineWhoseBuiltCapabilitiesDifferIsClosedAndRefused() {
        AtomicBoolean closed = new AtomicBoolean();
        ConfiguredEngine configured =
                new ConfiguredEngine(EngineCapabilities.electedByTheDatabase(), () -> new SnapshottedEngine() {
                    @Override
                    public void close() {
                        closed.set(true);
                    }
                });

        assertThatThrownBy(configured::create).isInstanceOf(IllegalStateException.class);
        assertThat(closed).isTrue();
    }

    @Test
    void everyCapabilityIsKnownToTheCore() {
        assertThat(Set.of(Capability.class.getPermittedSubclasses()))
                .containsExactlyInAnyOrder(
                        LeaseElected.class,
                        ReplicationSlots.class,
                        SynchronousStandbys.class,
                        ManagedMembership.class,
                        VolumeSnapshots.class,
                        SnapshotRecovery.class,
                        Dumps.class,
                        NativeBackup.class,
                        Archiving.class,
                        ClientConnections.class,
                        ReplayDelay.class,
                        PendingRestart.class,
                        Restartable.class);
    }

    /** An engine of a database that elects its own primary and whose volumes are its backup. */
    private static class SnapshottedEngine implements Engine, VolumeSnapshots {
        @Override
        public EngineStatus probe() {
            return EngineStatus.stopped(DataState.VALID, Optional.empty());
        }

        @Override
        public Endpoint endpoint() {
            return new Endpoint("127.0.0.1", 1);
        }

        @Override
        public void stop() {}

        @Override
        public String serverUser() {
            return "nobody";
        }

        @Override
        public List<Path> dataPaths() {
            return List.of();
        }

        @Override
        public SnapshotHold holdForSnapshot(String label) {
            throw new UnsupportedOperationException("not held in this test");
        }
    }
}
