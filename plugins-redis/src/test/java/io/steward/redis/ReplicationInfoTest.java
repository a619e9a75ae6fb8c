package io.steward.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.engine.Endpoint;
import io.steward.engine.ReplicaLink;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Parsing INFO replication as redis-server 7.0 prints it. */
class ReplicationInfoTest {

    @Test
    void aPrimaryListsItsOnlineReplicasByAddress() {
        ReplicationInfo info = ReplicationInfo.parse("""
                # Replication\r
                role:master\r
                connected_slaves:2\r
                slave0:ip=127.0.0.1,port=7002,state=online,offset=1234,lag=0\r
                slave1:ip=127.0.0.1,port=7003,state=wait_bgsave,offset=0,lag=0\r
                master_failover_state:no-failover\r
                master_replid:3f1c\r
                master_repl_offset:1250\r
                """);

        assertThat(info.primary()).isTrue();
        assertThat(info.offset()).isEqualTo(1250);
        assertThat(info.replicas()).containsExactly(new ReplicaLink("127.0.0.1:7002", 1234, false));
    }

    @Test
    void aReplicaWithItsLinkUpIsNotBehindHoweverLongTheMasterWasSilent() {
        ReplicationInfo info =
                ReplicationInfo.parse("role:slave\nmaster_host:127.0.0.1\nmaster_port:7001\nmaster_link_status:up\n"
                        + "master_last_io_seconds_ago:9\nmaster_sync_in_progress:0\nslave_repl_offset:980\n");

        assertThat(info.replayDelay()).contains(Duration.ZERO);
        assertThat(ReplicationInfo.parse("role:master\nmaster_repl_offset:5\n").replayDelay())
                .contains(Duration.ZERO);
    }

    @Test
    void aReplicaCutOffIsAsFarBehindAsItsLinkHasBeenDownAndOneStillSyncingIsUnknown() {
        ReplicationInfo cutOff =
                ReplicationInfo.parse("role:slave\nmaster_host:127.0.0.1\nmaster_port:7001\nmaster_link_status:down\n"
                        + "master_link_down_since_seconds:42\nmaster_sync_in_progress:0\nslave_repl_offset:980\n");
        ReplicationInfo syncing =
                ReplicationInfo.parse("role:slave\nmaster_host:127.0.0.1\nmaster_port:7001\nmaster_link_status:down\n"
                        + "master_link_down_since_seconds:3\nmaster_sync_in_progress:1\nslave_repl_offset:0\n");

        assertThat(cutOff.replayDelay()).contains(Duration.ofSeconds(42));
        assertThat(syncing.replayDelay()).isEmpty();
    }

    @Test
    void aStreamingReplicaNamesItsPrimary() {
        ReplicationInfo info = ReplicationInfo.parse("""
                # Replication
                role:slave
                master_host:127.0.0.1
                master_port:7001
                master_link_status:up
                master_sync_in_progress:0
                slave_repl_offset:980
                slave_read_repl_offset:990
                master_repl_offset:980
                """);

        assertThat(info.primary()).isFalse();
        assertThat(info.linkUp()).isTrue();
        assertThat(info.upstream()).contains(new Endpoint("127.0.0.1", 7001));
        assertThat(info.offset()).isEqualTo(980);
    }

    @Test
    void aReplicaStillSyncingOrCutOffIsNotLinked() {
        String syncing = "role:slave\nmaster_host:127.0.0.1\nmaster_port:7001\nmaster_link_status:up\n"
                + "master_sync_in_progress:1\nslave_repl_offset:0\nmaster_repl_offset:0\n";
        String down = "role:slave\nmaster_host:127.0.0.1\nmaster_port:1\nmaster_link_status:down\n"
                + "master_sync_in_progress:0\nslave_repl_offset:-1\nmaster_repl_offset:700\n";

        assertThat(ReplicationInfo.parse(syncing).linkUp()).isFalse();
        ReplicationInfo cutOff = ReplicationInfo.parse(down);
        assertThat(cutOff.linkUp()).isFalse();
        assertThat(cutOff.upstream()).isEqualTo(Optional.of(RedisConfig.NOWHERE));
        assertThat(cutOff.offset()).isEqualTo(700);
    }

    @Test
    void theFullInfoReplyOfRedis7CarriesTheSameReplicationFields() {
        ReplicationInfo primary = ReplicationInfo.of(RedisMetricsTest.info("info-7.0-primary.txt"));
        ReplicationInfo replica = ReplicationInfo.of(RedisMetricsTest.info("info-7.0-replica.txt"));

        assertThat(primary.primary()).isTrue();
        assertThat(primary.replicas())
                .containsExactly(
                        new ReplicaLink("127.0.0.1:17102", 868, false), new ReplicaLink("127.0.0.1:17103", 868, false));
        assertThat(replica.upstream()).contains(new Endpoint("127.0.0.1", 17101));
        assertThat(replica.linkUp()).isTrue();
        assertThat(replica.offset()).isEqualTo(868);
    }

    @Test
    void aReplyWithoutARoleIsRefused() {
        assertThatThrownBy(() -> ReplicationInfo.parse("ERR unknown section"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no role");
        assertThatThrownBy(() -> ReplicationInfo.parse("role:sentinel"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sentinel");
    }
}
