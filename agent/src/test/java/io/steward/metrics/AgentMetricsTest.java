package io.steward.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import io.steward.admin.AdminServer;
import io.steward.admin.DumpBackend;
import io.steward.admin.RecordingBackend;
import io.steward.admin.SnapshotBackend;
import io.steward.admin.TestHttp;
import io.steward.config.AdminConfig;
import io.steward.engine.Role;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Optional;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class AgentMetricsTest {
    private final AgentMetrics metrics = new AgentMetrics(new MetricRegistry());

    private String scrape() throws IOException {
        try (AdminServer server = new AdminServer(
                new AdminConfig("127.0.0.1", 0, Optional.empty()),
                new RecordingBackend(),
                SnapshotBackend.NOT_CONFIGURED,
                DumpBackend.NOT_CONFIGURED,
                Optional.empty(),
                metrics.registry())) {
            server.start();
            return new TestHttp(server.port()).get("/metrics").body();
        }
    }

    @Test
    void adminApiExposesTheAgentsMetricsAsPrometheusText() throws IOException {
        metrics.role(Role.PRIMARY);
        metrics.lagBytes(4096);
        metrics.epoch(7);
        metrics.leader(true);
        metrics.recordLoop(Duration.ofMillis(250));
        metrics.leaseRenewalFailed();
        metrics.leaseRenewalFailed();
        metrics.promoted();
        metrics.zookeeperState("SUSPENDED");

        assertThat(scrape().lines())
                .contains(
                        "steward_role 2.0",
                        "steward_lag_bytes 4096.0",
                        "steward_epoch 7.0",
                        "steward_is_leader 1.0",
                        "steward_loop_duration_count 1",
                        "steward_lease_renewal_failures_total 2.0",
                        "steward_failovers_total 1.0",
                        "steward_zookeeper_connected 0.0",
                        "steward_zookeeper_state 1.0");
    }

    @Test
    void gaugesStartAtNothingKnown() throws IOException {
        assertThat(scrape().lines())
                .contains(
                        "steward_role 0.0",
                        "steward_lag_bytes -1.0",
                        "steward_is_leader 0.0",
                        "steward_zookeeper_connected 0.0",
                        "steward_zookeeper_state -1.0");
    }

    @Test
    void roleGaugeTellsRolesApart() {
        metrics.role(Role.REPLICA);
        assertThat(metrics.registry().getGauges().get(AgentMetrics.ROLE).getValue())
                .isEqualTo(1L);
        metrics.role(Role.STOPPED);
        assertThat(metrics.registry().getGauges().get(AgentMetrics.ROLE).getValue())
                .isEqualTo(0L);
    }

    @Test
    void zookeeperConnectedFollowsCuratorsDefinition() {
        for (String state : new String[] {"CONNECTED", "RECONNECTED", "READ_ONLY"}) {
            metrics.zookeeperState(state);
            assertThat(metrics.registry()
                            .getGauges()
                            .get(AgentMetrics.ZOOKEEPER_CONNECTED)
                            .getValue())
                    .as(state)
                    .isEqualTo(1L);
        }
        metrics.zookeeperState("LOST");
        assertThat(metrics.registry()
                        .getGauges()
                        .get(AgentMetrics.ZOOKEEPER_CONNECTED)
                        .getValue())
                .isEqualTo(0L);
        assertThat(metrics.registry()
                        .getGauges()
                        .get(AgentMetrics.ZOOKEEPER_STATE)
                        .getValue())
                .isEqualTo(0L);
    }

    @Test
    void unknownZookeeperStateIsRejectedByName() {
        assertThatThrownBy(() -> metrics.zookeeperState("DISCONNECTED"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DISCONNECTED")
                .hasMessageContaining("SUSPENDED");
    }

    @Test
    void loopTimerTimesATick() {
        metrics.loopTimer().time().stop();

        assertThat(metrics.loopTimer().getCount()).isEqualTo(1);
    }

    @Test
    void jmxExposesTheMetricsWhileStarted() throws Exception {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        ObjectName epoch = new ObjectName(AgentMetrics.JMX_DOMAIN + ":name=" + AgentMetrics.EPOCH + ",type=gauges");
        metrics.epoch(9);

        metrics.startJmx();
        try {
            assertThat(mbeans.getAttribute(epoch, "Value")).isEqualTo(9L);
        } finally {
            metrics.close();
        }
        assertThat(mbeans.isRegistered(epoch)).isFalse();
    }
}
