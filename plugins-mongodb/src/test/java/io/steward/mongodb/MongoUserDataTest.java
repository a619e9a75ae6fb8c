package io.steward.mongodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.testing.RecordingUserDataTarget;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MongoUserDataTest {
    private static ObjectNode userData() throws Exception {
        return (ObjectNode) new ObjectMapper()
                .readTree(
                        "{\"name\": \"mongodb\", \"size\": 100, \"source\": \"snap-78ee631b\", \"role\": \"active\"}");
    }

    /** The book's MongoDB "name" is the replica set's; the node is named by its instance id. */
    @Test
    void withMongodbTheNameIsTheReplicaSetsAndTheOtherKeysGoToTheMongodbSection() throws Exception {
        RecordingUserDataTarget target = new RecordingUserDataTarget();

        new MongoPlugin().userData().translate(userData(), Optional.of("mongodb"), target);

        assertThat(target.values)
                .isEqualTo(Map.of(
                        "mongodb.replica_set",
                        "mongodb",
                        "mongodb.size",
                        "100",
                        "mongodb.source",
                        "snap-78ee631b",
                        "mongodb.role",
                        "active"));
        assertThat(target.claimed).containsExactly("name");
        assertThat(target.problems).isEmpty();
    }

    @Test
    void withAnotherEngineTheNameStaysTheNodesAndTheKeysStillNameTheirSection() throws Exception {
        RecordingUserDataTarget target = new RecordingUserDataTarget();

        new MongoPlugin().userData().translate(userData(), Optional.empty(), target);

        assertThat(target.values).containsOnlyKeys("mongodb.size", "mongodb.source", "mongodb.role");
        assertThat(target.claimed).isEmpty();
    }
}
