package io.steward.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UserDataTest {

    @Test
    void redisKeysGoToTheRedisSectionWithUnderscoresAndMonitoringToCloudWatch() {
        ConfigProblems problems = new ConfigProblems();

        ConfigLoader.Layer layer = UserData.translate("""
                {"name": "kate", "persistence": "normal", "monitoring": "on", "maxmemory": "on",
                 "maxmemory-policy": "noeviction", "logging": "warning", "snapshot": "snap-1", "rdb": "s3://b/dump.rdb"}
                """, "EC2 user data", problems);

        assertThat(problems.isEmpty()).isTrue();
        assertThat(layer.tree().toString()).isEqualTo("{\"node\":{\"name\":\"kate\"},\"redis\":{\"persistence\":\"normal\","
                + "\"maxmemory\":\"on\",\"maxmemory_policy\":\"noeviction\",\"logging\":\"warning\","
                + "\"snapshot\":\"snap-1\",\"rdb\":\"s3://b/dump.rdb\"},\"aws\":{\"cloudwatch\":{\"monitoring\":\"on\"}}}");
        assertThat(layer.origins()).containsEntry("aws.cloudwatch.monitoring", "EC2 user data key 'monitoring'");
        assertThat(layer.origins()).containsEntry("redis.maxmemory_policy", "EC2 user data key 'maxmemory-policy'");
    }

    @Test
    void mongodbAndElasticsearchKeys() {
        ConfigProblems problems = new ConfigProblems();

        String mongodb = UserData.translate("{\"name\": \"mongodb\", \"size\": 100, \"source\": \"snap-78ee631b\", \"role\": \"active\"}",
                "EC2 user data", problems).tree().toString();
        String elasticsearch = UserData.translate("{\"name\": \"search\", \"zone\": \"example.net\"}", "EC2 user data", problems).tree().toString();

        assertThat(problems.isEmpty()).isTrue();
        assertThat(mongodb).isEqualTo("{\"node\":{\"name\":\"mongodb\"},\"mongodb\":{\"size\":100,\"source\":\"snap-78ee631b\",\"role\":\"active\"}}");
        assertThat(elasticsearch).isEqualTo("{\"node\":{\"name\":\"search\"},\"elasticsearch\":{\"zone\":\"example.net\"}}");
    }

    @Test
    void slowBecomesLogMinDurationStatementInWholeMilliseconds() {
        ConfigProblems problems = new ConfigProblems();

        String tree = UserData.translate("{\"slow\": \"500\"}", "EC2 user data", problems).tree().toString();
        UserData.translate("{\"slow\": \"half a second\"}", "EC2 user data", problems);
        UserData.translate("{\"slow\": 1.5}", "EC2 user data", problems);

        assertThat(tree).isEqualTo("{\"postgresql\":{\"parameters\":{\"log_min_duration_statement\":\"500\"}}}");
        assertThat(problems.list()).extracting(ConfigProblem::toString).containsExactly(
                "EC2 user data key 'slow': 'half a second' is not valid; a slow-query threshold in whole milliseconds from 0 to 2147483647, e.g. \"500\"",
                "EC2 user data key 'slow': '1.5' is not valid; a slow-query threshold in whole milliseconds from 0 to 2147483647, e.g. \"500\"");
    }

    @Test
    void masterAndCloneTogetherAreAProblem() {
        ConfigProblems problems = new ConfigProblems();

        ConfigLoader.Layer layer = UserData.translate("{\"name\": \"db\", \"master\": \"a\", \"clone\": \"b\"}", "EC2 user data", problems);

        assertThat(layer.tree().has("bootstrap")).isFalse();
        assertThat(problems.list()).extracting(ConfigProblem::toString).containsExactly(
                "EC2 user data key 'clone': 'b' is not valid; either master (join as a replica) or clone (start a new cluster from backups), not both");
    }
}
