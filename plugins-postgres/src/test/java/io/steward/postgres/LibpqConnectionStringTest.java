package io.steward.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.ClientConnections.Target;
import io.steward.engine.Endpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

class LibpqConnectionStringTest {
    private static final List<Endpoint> SERVERS =
            List.of(new Endpoint("10.0.0.1", 5432), new Endpoint("10.0.0.2", 5433));

    @Test
    void thePrimarysListsEveryServerAndAsksForOneThatTakesWrites() {
        assertThat(LibpqConnectionString.of(SERVERS, Target.PRIMARY))
                .isEqualTo("host=10.0.0.1,10.0.0.2 port=5432,5433 dbname=postgres target_session_attrs=read-write");
    }

    @Test
    void aReplicasPrefersAStandbyAndAnyTakesWhicheverAnswers() {
        assertThat(LibpqConnectionString.of(SERVERS, Target.REPLICA))
                .endsWith(" dbname=postgres target_session_attrs=prefer-standby");
        assertThat(LibpqConnectionString.of(List.of(SERVERS.get(0)), Target.ANY))
                .isEqualTo("host=10.0.0.1 port=5432 dbname=postgres");
    }
}
