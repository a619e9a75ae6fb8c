package io.steward.config;

import io.steward.settings.ConfigProblem;
import io.steward.settings.ConfigProblems;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class UserDataTest {
    private static final Optional<String> POSTGRESQL = Optional.of("postgresql");

    @Test
    void redisKeysGoToTheRedisSectionWithUnderscoresAndMonitoringToCloudWatch() {
        ConfigProblems problems = new ConfigProblems();

        ConfigLoader.Layer layer = UserData.translate("""
                {"name": "kate", "persistence": "normal", "monitoring": "on", "maxmemory": "on",
                 "maxmemory-policy": "noeviction", "logging": "warning", "snapshot": "snap-1", "rdb": "s3://b/dump.rdb"}
                """, "EC2 user data", POSTGRESQL, problems);

        assertThat(problems.isEmpty()).isTrue();
        assertThat(layer.tree().toString()).isEqualTo("{\"node\":{\"name\":\"kate\"},\"redis\":{\"persistence\":\"normal\","
                + "\"maxmemory\":\"on\",\"maxmemory_policy\":\"noeviction\",\"logging\":\"warning\","
                + "\"snapshot\":\"snap-1\",\"rdb\":\"s3://b/dump.rdb\"},\"aws\":{\"cloudwatch\":{\"monitoring\":\"on\"}}}");
        assertThat(layer.origins()).containsEntry("aws.cloudwatch.monitoring", "EC2 user data key 'monitoring'");
        assertThat(layer.origins()).containsEntry("redis.maxmemory_policy", "EC2 user data key 'maxmemory-policy'");
    }

    @Test
    void mongodbKeysAndTheSetsNameGoToTheMongodbSection() {
        ConfigProblems problems = new ConfigProblems();

        String mongodb = UserData.translate("{\"name\": \"mongodb\", \"size\": 100, \"source\": \"snap-78ee631b\", \"role\": \"active\"}",
                "EC2 user data", Optional.of("mongodb"), problems).tree().toString();

        assertThat(problems.isEmpty()).isTrue();
        // the book's MongoDB "name" is the replica set's; the node is named by its instance id
        assertThat(mongodb).isEqualTo("{\"mongodb\":{\"replica_set\":\"mongodb\",\"size\":100,\"source\":\"snap-78ee631b\","
                + "\"role\":\"active\"}}");
    }

    @Test
    void elasticsearchNameAndZoneBecomeTheRoundRobinRecordInTheZoneNamedSo() {
        ConfigProblems problems = new ConfigProblems();

        ConfigLoader.Layer layer = UserData.translate("{\"name\": \"search\", \"zone\": \"example.net\"}",
                "EC2 user data", Optional.of("elasticsearch"), problems);

        assertThat(problems.isEmpty()).isTrue();
        assertThat(layer.tree().toString()).isEqualTo("{\"aws\":{\"route53\":{\"enabled\":true,"
                + "\"hosted_zone_name\":\"example.net\",\"weighted_record\":\"search.example.net\"}}}");
        assertThat(layer.origins()).containsEntry("aws.route53.weighted_record", "EC2 user data keys 'name' and 'zone'")
                .containsEntry("aws.route53.hosted_zone_name", "EC2 user data key 'zone'");
    }

    @Test
    void elasticsearchNeedsNameAndZoneAsTexts() {
        ConfigProblems problems = new ConfigProblems();

        ConfigLoader.Layer withoutZone = UserData.translate("{\"name\": \"search\"}", "EC2 user data",
                Optional.of("elasticsearch"), problems);
        ConfigLoader.Layer numericZone = UserData.translate("{\"name\": \"search\", \"zone\": 7}", "EC2 user data",
                Optional.of("elasticsearch"), problems);

        assertThat(withoutZone.tree().isEmpty()).isTrue();
        assertThat(numericZone.tree().isEmpty()).isTrue();
        assertThat(problems.list()).extracting(ConfigProblem::toString).containsExactly(
                "EC2 user data key 'zone': missing; a text: with engine elasticsearch, name and zone together give "
                        + "the round-robin record <name>.<zone>, e.g. {\"name\": \"search\", \"zone\": \"example.net\"}",
                "EC2 user data key 'zone': '7' is not valid; a text: with engine elasticsearch, name and zone together "
                        + "give the round-robin record <name>.<zone>, e.g. {\"name\": \"search\", \"zone\": \"example.net\"}");
    }

    @Test
    void zoneIsRefusedForEnginesWhoseRecordsAreConfiguredInAws() {
        ConfigProblems problems = new ConfigProblems();

        ConfigLoader.Layer layer = UserData.translate("{\"name\": \"db01\", \"zone\": \"example.net\"}", "EC2 user data",
                POSTGRESQL, problems);

        assertThat(layer.tree().toString()).isEqualTo("{\"node\":{\"name\":\"db01\"}}");
        assertThat(problems.list()).extracting(ConfigProblem::toString).containsExactly(
                "EC2 user data key 'zone': 'example.net' is not valid; absent unless engine is elasticsearch (the book's "
                        + "round-robin record <name>.<zone>); engine is postgresql, whose records are set in aws.route53");
    }

    @Test
    void slowBecomesLogMinDurationStatementInWholeMilliseconds() {
        ConfigProblems problems = new ConfigProblems();

        String tree = UserData.translate("{\"slow\": \"500\"}", "EC2 user data", POSTGRESQL, problems).tree().toString();
        UserData.translate("{\"slow\": \"half a second\"}", "EC2 user data", POSTGRESQL, problems);
        UserData.translate("{\"slow\": 1.5}", "EC2 user data", POSTGRESQL, problems);

        assertThat(tree).isEqualTo("{\"postgresql\":{\"parameters\":{\"log_min_duration_statement\":\"500\"}}}");
        assertThat(problems.list()).extracting(ConfigProblem::toString).containsExactly(
                "EC2 user data key 'slow': 'half a second' is not valid; a slow-query threshold in whole milliseconds from 0 to 2147483647, e.g. \"500\"",
                "EC2 user data key 'slow': '1.5' is not valid; a slow-query threshold in whole milliseconds from 0 to 2147483647, e.g. \"500\"");
    }

    @Test
    void masterAndCloneTogetherAreAProblem() {
        ConfigProblems problems = new ConfigProblems();

        ConfigLoader.Layer layer = UserData.translate("{\"name\": \"db\", \"master\": \"a\", \"clone\": \"b\"}", "EC2 user data", POSTGRESQL, problems);

        assertThat(layer.tree().has("bootstrap")).isFalse();
        assertThat(problems.list()).extracting(ConfigProblem::toString).containsExactly(
                "EC2 user data key 'clone': 'b' is not valid; either master (join as a replica) or clone (start a new cluster from backups), not both");
    }
}
