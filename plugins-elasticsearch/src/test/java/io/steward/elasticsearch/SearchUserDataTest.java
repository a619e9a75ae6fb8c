package io.steward.elasticsearch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.testing.RecordingUserDataTarget;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SearchUserDataTest {
    private static final Optional<String> ELASTICSEARCH = Optional.of("elasticsearch");

    private static RecordingUserDataTarget translate(String json, Optional<String> engine) throws Exception {
        RecordingUserDataTarget target = new RecordingUserDataTarget();
        new ElasticsearchPlugin().userData().translate((ObjectNode) new ObjectMapper().readTree(json), engine, target);
        return target;
    }

    @Test
    void nameAndZoneBecomeTheRoundRobinRecordInTheZoneNamedSo() throws Exception {
        RecordingUserDataTarget target = translate("{\"name\": \"search\", \"zone\": \"example.net\"}", ELASTICSEARCH);

        assertThat(target.problems).isEmpty();
        assertThat(target.values)
                .isEqualTo(Map.of(
                        "aws.route53.enabled",
                        "true",
                        "aws.route53.hosted_zone_name",
                        "example.net",
                        "aws.route53.weighted_record",
                        "search.example.net"));
        assertThat(target.origins)
                .containsEntry("aws.route53.weighted_record", List.of("name", "zone"))
                .containsEntry("aws.route53.hosted_zone_name", List.of("zone"));
        assertThat(target.claimed).as("the node is named by its instance id").containsExactly("name");
    }

    @Test
    void nameAndZoneMustBothBeTexts() throws Exception {
        RecordingUserDataTarget withoutZone = translate("{\"name\": \"search\"}", ELASTICSEARCH);
        RecordingUserDataTarget numericZone = translate("{\"name\": \"search\", \"zone\": 7}", ELASTICSEARCH);
        RecordingUserDataTarget neither = translate("{\"cluster\": \"search\"}", ELASTICSEARCH);

        assertThat(withoutZone.values).isEmpty();
        assertThat(numericZone.values).isEmpty();
        assertThat(neither.values).isEmpty();
        assertThat(neither.problems).isEmpty();
        String allowed = "a text: with engine elasticsearch, name and zone together give the round-robin record "
                + "<name>.<zone>, e.g. {\"name\": \"search\", \"zone\": \"example.net\"}";
        assertThat(withoutZone.problems).containsExactly("zone: null: " + allowed);
        assertThat(numericZone.problems).containsExactly("zone: 7: " + allowed);
    }

    @Test
    void zoneIsRefusedForEnginesWhoseRecordsAreConfiguredInAws() throws Exception {
        RecordingUserDataTarget target =
                translate("{\"name\": \"db01\", \"zone\": \"example.net\"}", Optional.of("postgresql"));

        assertThat(target.values).isEmpty();
        assertThat(target.claimed).as("the node's name stays the core's").isEmpty();
        assertThat(target.problems)
                .containsExactly(
                        "zone: example.net: absent unless engine is elasticsearch (the "
                                + "book's round-robin record <name>.<zone>); engine is postgresql, whose records are set in aws.route53");
    }
}
