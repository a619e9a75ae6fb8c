package io.steward.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.codahale.metrics.jmx.JmxReporter;
import io.steward.engine.Role;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's own metrics, registered in the one {@link MetricRegistry} that the admin API exposes as Prometheus
 * text and {@link #startJmx()} exposes over JMX. The HA loop calls the setters once per tick; the gauges report
 * the last value set.
 *
 * <p>Names are already Prometheus names (snake case, {@code steward_} prefix) so that the same name appears in
 * Prometheus, JMX and any dashboard.
 */
public final class AgentMetrics implements AutoCloseable {
    public static final String ROLE = "steward_role";
    public static final String LAG_BYTES = "steward_lag_bytes";
    public static final String EPOCH = "steward_epoch";
    public static final String IS_LEADER = "steward_is_leader";
    public static final String LOOP_DURATION = "steward_loop_duration";
    public static final String LEASE_RENEWAL_FAILURES = "steward_lease_renewal_failures";
    public static final String FAILOVERS = "steward_failovers";
    public static final String ZOOKEEPER_CONNECTED = "steward_zookeeper_connected";
    public static final String ZOOKEEPER_STATE = "steward_zookeeper_state";
    /** 1 while this primary takes writes on its members' failsafe confirmations rather than its lease. */
    public static final String FAILSAFE_ACTIVE = "steward_failsafe_active";

    public static final String FAILSAFE_ROUNDS = "steward_failsafe_rounds";
    /** Rounds in which some member did not confirm: each demotes a primary that ZooKeeper cannot confirm either. */
    public static final String FAILSAFE_REFUSED_ROUNDS = "steward_failsafe_refused_rounds";

    static final String JMX_DOMAIN = "io.steward";

    /**
     * The ZooKeeper connection states as Curator names them, with the number the state gauge reports.
     * {@code connected} follows Curator's {@code ConnectionState.isConnected()}: READ_ONLY counts as connected even
     * though it cannot renew the lease, so the state gauge is what tells it apart.
     */
    enum ZooKeeperState {
        LOST(0, false),
        SUSPENDED(1, false),
        READ_ONLY(2, true),
        CONNECTED(3, true),
        RECONNECTED(4, true);

        final int code;
        final boolean connected;

        ZooKeeperState(int code, boolean connected) {
            this.code = code;
            this.connected = connected;
        }
    }

    /** Reported by the state gauge before the first state change arrives. */
    static final int ZOOKEEPER_STATE_UNKNOWN = -1;

    private final MetricRegistry registry;
    private final AtomicLong role = new AtomicLong(roleCode(Role.STOPPED));
    private final AtomicLong lagBytes = new AtomicLong(-1);
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicLong leader = new AtomicLong();
    private final AtomicLong zookeeperConnected = new AtomicLong();
    private final AtomicLong zookeeperState = new AtomicLong(ZOOKEEPER_STATE_UNKNOWN);
    private final AtomicLong failsafeActive = new AtomicLong();
    private final Counter failsafeRounds;
    private final Counter failsafeRefusedRounds;
    private final Timer loopTimer;
    private final Counter leaseRenewalFailures;
    private final Counter failovers;
    private final JmxReporter jmx;

    public AgentMetrics(MetricRegistry registry) {
        this.registry = registry;
        gauge(ROLE, role);
        gauge(LAG_BYTES, lagBytes);
        gauge(EPOCH, epoch);
        gauge(IS_LEADER, leader);
        gauge(ZOOKEEPER_CONNECTED, zookeeperConnected);
        gauge(ZOOKEEPER_STATE, zookeeperState);
        gauge(FAILSAFE_ACTIVE, failsafeActive);
        failsafeRounds = registry.counter(FAILSAFE_ROUNDS);
        failsafeRefusedRounds = registry.counter(FAILSAFE_REFUSED_ROUNDS);
        loopTimer = registry.timer(LOOP_DURATION);
        leaseRenewalFailures = registry.counter(LEASE_RENEWAL_FAILURES);
        failovers = registry.counter(FAILOVERS);
        jmx = JmxReporter.forRegistry(registry)
                .inDomain(JMX_DOMAIN)
                .convertDurationsTo(TimeUnit.MILLISECONDS)
                .build();
    }

    public MetricRegistry registry() {
        return registry;
    }

    /** Registers every metric of the registry (engine metrics too) as an MBean under {@code io.steward}. */
    public void startJmx() {
        jmx.start();
    }

    /** Unregisters the MBeans. */
    @Override
    public void close() {
        jmx.stop();
    }

    /** The gauge reads 0 stopped, 1 replica, 2 primary. */
    public void role(Role value) {
        role.set(roleCode(value));
    }

    /** -1 when unknown, as in the node status. */
    public void lagBytes(long value) {
        lagBytes.set(value);
    }

    public void epoch(long value) {
        epoch.set(value);
    }

    /** Whether this node holds the primary's lease. */
    public void leader(boolean value) {
        leader.set(value ? 1 : 0);
    }

    /** For {@code try (Timer.Context tick = metrics.loopTimer().time())} around one HA loop tick. */
    public Timer loopTimer() {
        return loopTimer;
    }

    public void recordLoop(Duration duration) {
        loopTimer.update(duration);
    }

    public void leaseRenewalFailed() {
        leaseRenewalFailures.inc();
    }

    /** A round of failsafe calls ended; {@code confirmed}: every member confirmed. */
    public void failsafeRound(boolean confirmed) {
        failsafeRounds.inc();
        if (!confirmed) {
            failsafeRefusedRounds.inc();
        }
    }

    public void failsafeActive(boolean active) {
        failsafeActive.set(active ? 1 : 0);
    }

    /** This node was promoted to primary. */
    public void promoted() {
        failovers.inc();
    }

    /**
     * @param state a Curator connection state name: CONNECTED, SUSPENDED, LOST, RECONNECTED or READ_ONLY
     * @throws IllegalArgumentException for any other name
     */
    public void zookeeperState(String state) {
        ZooKeeperState parsed;
        try {
            parsed = ZooKeeperState.valueOf(state.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown ZooKeeper connection state '" + state
                            + "'; expected CONNECTED, SUSPENDED, LOST, RECONNECTED or READ_ONLY",
                    e);
        }
        zookeeperState.set(parsed.code);
        zookeeperConnected.set(parsed.connected ? 1 : 0);
    }

    private void gauge(String name, AtomicLong value) {
        registry.register(name, (Gauge<Long>) value::get);
    }

    private static long roleCode(Role value) {
        return switch (value) {
            case STOPPED -> 0;
            case REPLICA -> 1;
            case PRIMARY -> 2;
        };
    }
}
