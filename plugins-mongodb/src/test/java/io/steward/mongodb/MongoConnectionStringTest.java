package io.steward.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.engine.ClientConnections.Target;
import io.steward.engine.Endpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

class MongoConnectionStringTest {
    private static final List<Endpoint> SERVERS =
            List.of(new Endpoint("10.0.0.1", 27017), new Endpoint("10.0.0.2", 27017), new Endpoint("::1", 27018));

    @Test
    void everyServerSeedsTheDriverWithTheSetsName() {
        assertThat(MongoConnectionString.of(SERVERS, "rs0", Target.PRIMARY))
                .isEqualTo("mongodb://10.0.0.1:27017,10.0.0.2:27017,[::1]:27018/?replicaSet=rs0");
    }

    @Test
    void replicasAndAnyAreReadPreferences() {
        assertThat(MongoConnectionString.of(SERVERS, "rs0", Target.REPLICA))
                .endsWith("/?replicaSet=rs0&readPreference=secondaryPreferred");
        assertThat(MongoConnectionString.of(SERVERS, "rs0", Target.ANY))
                .endsWith("/?replicaSet=rs0&readPreference=nearest");
    }
}
