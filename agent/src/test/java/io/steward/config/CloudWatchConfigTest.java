package io.steward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.steward.settings.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloudWatchConfigTest {
    @TempDir
    Path dir;

    @Test
    void offUnlessAskedFor() throws IOException {
        assertThat(load("", Map.of()).aws().cloudWatch()).isEqualTo(CloudWatchConfig.OFF);
    }

    @Test
    void everyKeyFromTheFileOrTheEnvironment() throws IOException {
        CloudWatchConfig config = load("""
                  cloudwatch:
                    monitoring: all
                    namespace: Steward/Prod
                    endpoint: http://127.0.0.1:9999
                """, Map.of("STEWARD_AWS_CLOUDWATCH_INTERVAL", "30s"))
                .aws()
                .cloudWatch();

        assertThat(config)
                .isEqualTo(new CloudWatchConfig(
                        CloudWatchConfig.Monitoring.ALL,
                        "Steward/Prod",
                        Duration.ofSeconds(30),
                        Optional.of(URI.create("http://127.0.0.1:9999"))));
        assertThat(load("  cloudwatch: {monitoring: on}\n", Map.of())
                        .aws()
                        .cloudWatch()
                        .monitoring())
                .isEqualTo(CloudWatchConfig.Monitoring.ON);
    }

    @Test
    void badValuesAreNamedAtOnce() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load("""
                  cloudwatch:
                    monitoring: sometimes
                    namespace: AWS/EC2
                    interval: 0s
                    endpoint: ftp://x
                """, Map.of()));

        assertThat(e.problems())
                .extracting(p -> p.key().replaceAll(" \\(from .*\\)$", ""))
                .containsExactlyInAnyOrder(
                        "aws.cloudwatch.monitoring",
                        "aws.cloudwatch.namespace",
                        "aws.cloudwatch.interval",
                        "aws.cloudwatch.endpoint");
        assertThat(e.getMessage()).contains("one of off, on, all").contains("not starting with AWS/");
    }

    @Test
    void theBooksUserDataKeySwitchesItOnAndTheFileOrEnvironmentWin() throws IOException {
        assertThat(load("", "{\"monitoring\": \"all\"}", Map.of())
                        .aws()
                        .cloudWatch()
                        .monitoring())
                .isEqualTo(CloudWatchConfig.Monitoring.ALL);
        assertThat(load("", "{\"monitoring\": \"on\"}", Map.of("STEWARD_AWS_CLOUDWATCH_MONITORING", "off"))
                        .aws()
                        .cloudWatch()
                        .monitoring())
                .isEqualTo(CloudWatchConfig.Monitoring.OFF);
    }

    @Test
    void aBadUserDataValueIsNamedWithItsOrigin() {
        ConfigException e = catchThrowableOfType(
                ConfigException.class, () -> load("", "{\"monitoring\": \"sometimes\"}", Map.of()));

        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.key())
                        .startsWith("aws.cloudwatch.monitoring")
                        .contains("user data")
                        .contains("'monitoring'"));
    }

    @Test
    void onWithoutAKnownRegionIsAConfigError() {
        ConfigException e =
                catchThrowableOfType(ConfigException.class, () -> load("", "{\"monitoring\": \"on\"}", Map.of(), ""));

        assertThat(e.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.key()).startsWith("aws.cloudwatch.monitoring"));
        assertThat(e.getMessage()).contains("aws.region");
    }

    private StewardConfig load(String awsLines, Map<String, String> env) throws IOException {
        return load(awsLines, "{}", env);
    }

    private StewardConfig load(String awsLines, String userData, Map<String, String> env) throws IOException {
        return load(awsLines, userData, env, "  region: eu-west-1\n");
    }

    private StewardConfig load(String awsLines, String userData, Map<String, String> env, String region)
            throws IOException {
        Path file = Files.writeString(
                dir.resolve("steward.yml"),
                ConfigLoaderTest.VALID_YAML.replace("  imds: off\n", "  imds: off\n" + region + awsLines));
        Path userDataFile = Files.writeString(dir.resolve("user-data.json"), userData);
        return ConfigLoader.load(
                new ConfigLoader.Sources(Optional.of(file), Optional.of(userDataFile), false, env, Map.of()));
    }
}
