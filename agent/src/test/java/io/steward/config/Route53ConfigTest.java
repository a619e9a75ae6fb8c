package io.steward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.steward.config.Route53Config.ReaderRouting;
import io.steward.config.Route53Config.RecordType;
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

class Route53ConfigTest {
    @TempDir
    Path dir;

    @Test
    void withoutTheSectionRoute53IsDisabled() throws IOException {
        assertThat(load("", Map.of()).aws().route53()).isEqualTo(Route53Config.DISABLED);
        assertThat(load("  route53: {enabled: false}\n", Map.of())
                        .aws()
                        .route53()
                        .enabled())
                .isFalse();
    }

    @Test
    void everyKeyIsRead() throws IOException {
        Route53Config config = load("""
                  route53:
                    enabled: true
                    hosted_zone_id: Z0123456789ABCDEFGHIJ
                    primary_record: db.example.net
                    reader_record: ro.db.example.net
                    member_record_suffix: .nodes.example.net
                    type: a
                    reader_routing: multivalue
                    ttl: 30s
                    endpoint: http://127.0.0.1:9999
                    insync_timeout: 2m
                    insync_poll_interval: 500ms
                    max_attempts: 4
                    retry_base_delay: 50ms
                """, Map.of()).aws().route53();

        assertThat(config)
                .isEqualTo(new Route53Config(
                        true,
                        "Z0123456789ABCDEFGHIJ",
                        Optional.empty(),
                        "db.example.net",
                        Optional.of("ro.db.example.net"),
                        Optional.of("nodes.example.net"),
                        RecordType.A,
                        ReaderRouting.MULTIVALUE,
                        Duration.ofSeconds(30),
                        Optional.of(URI.create("http://127.0.0.1:9999")),
                        Duration.ofMinutes(2),
                        Duration.ofMillis(500),
                        4,
                        Duration.ofMillis(50),
                        Optional.empty(),
                        Route53Config.DEFAULT_WEIGHT));
        assertThat(config.memberRecord("db01")).contains("db01.nodes.example.net");
    }

    @Test
    void defaultsAreACnameWithSixtySecondsAndWeightedReaders() throws IOException {
        Route53Config config = load("""
                  route53: {enabled: true, hosted_zone_id: Z1D633PJN98FT9, primary_record: db.example.net}
                """, Map.of()).aws().route53();

        assertThat(config.type()).isEqualTo(RecordType.CNAME);
        assertThat(config.readerRouting()).isEqualTo(ReaderRouting.WEIGHTED);
        assertThat(config.ttl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.insyncTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.endpoint()).isEmpty();
        assertThat(config.readerRecord()).isEmpty();
        assertThat(config.memberRecord("db01")).isEmpty();
    }

    @Test
    void aWeightedRecordAloneNeedsNoPrimaryRecord() throws IOException {
        Route53Config config = load(
                        "  route53: {enabled: true, hosted_zone_id: Z1D633PJN98FT9, weighted_record: search.example.net}\n",
                        Map.of())
                .aws()
                .route53();

        assertThat(config.weightedRecord()).contains("search.example.net");
        assertThat(config.weight()).isEqualTo(100);
        assertThat(config.primaryRecord()).isEmpty();
        assertThat(load(
                                "  route53: {enabled: true, hosted_zone_id: Z1D633PJN98FT9, weighted_record: s.example.net, weight: 7}\n",
                                Map.of())
                        .aws()
                        .route53()
                        .weight())
                .isEqualTo(7);
    }

    @Test
    void theZoneMayBeNamedByItsDomainInsteadOfItsIdButNotBoth() throws IOException {
        Route53Config config = load(
                        "  route53: {enabled: true, hosted_zone_name: example.net, primary_record: db.example.net}\n",
                        Map.of())
                .aws()
                .route53();

        assertThat(config.hostedZoneName()).contains("example.net");
        assertThat(config.hostedZoneId()).isEmpty();
        assertThatThrownBy(() -> load(
                        "  route53: {enabled: true, hosted_zone_id: Z1D633PJN98FT9, hosted_zone_name: example.net, "
                                + "primary_record: db.example.net}\n",
                        Map.of()))
                .hasMessageContaining("aws.route53.hosted_zone_name (from config file")
                .hasMessageContaining("'example.net' is not valid; absent when aws.route53.hosted_zone_id is set");
    }

    @Test
    void theEnvironmentReachesTheNestedSection() throws IOException {
        Route53Config config = load(
                        "  route53: {enabled: true, primary_record: db.example.net}\n",
                        Map.of(
                                "STEWARD_AWS_ROUTE53_HOSTED_ZONE_ID",
                                "Z1D633PJN98FT9",
                                "STEWARD_AWS_ROUTE53_TTL",
                                "120"))
                .aws()
                .route53();

        assertThat(config.hostedZoneId()).isEqualTo("Z1D633PJN98FT9");
        assertThat(config.ttl()).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void badValuesAreProblemsThatNameKeyValueAndWhatIsAllowed() throws IOException {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load("""
                  route53:
                    enabled: true
                    primary_record: db..example.net
                    type: aaaa
                    ttl: 2d
                    endpoint: ftp://route53
                    max_attempts: 0
                    zone: Z1D633PJN98FT9
                """, Map.of()));

        assertThat(e.problems())
                .extracting(p -> p.key().replaceAll(" \\(from.*", ""))
                .containsExactlyInAnyOrder(
                        "aws.route53.primary_record",
                        "aws.route53.type",
                        "aws.route53.ttl",
                        "aws.route53.endpoint",
                        "aws.route53.max_attempts",
                        "aws.route53.zone",
                        "aws.route53.hosted_zone_id");
        assertThat(e.getMessage())
                .contains("aws.route53.type (from config file")
                .contains("'aaaa' is not valid; one of cname, a")
                .contains("'2d' is not valid; a duration from 1s to 1d")
                .contains(
                        "'ftp://route53' is not valid; an http:// or https:// URL such as https://route53.amazonaws.com")
                .contains("'Z1D633PJN98FT9' is not valid; unknown key; known keys here: enabled, hosted_zone_id")
                .contains("aws.route53.hosted_zone_id: missing; required when aws.route53.enabled is true");
    }

    @Test
    void aTtlIsWholeSecondsAZoneIdLooksLikeOneAndPollingFitsTheTimeout() throws IOException {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load("""
                  route53: {enabled: true, hosted_zone_id: /hostedzone/z1, primary_record: db.example.net., ttl: 1500ms,
                            insync_timeout: 5s, insync_poll_interval: 5s}
                """, Map.of()));

        assertThat(e.problems()).hasSize(3);
        assertThat(e.getMessage())
                .contains("aws.route53.insync_poll_interval (from config file")
                .contains("less than aws.route53.insync_timeout (5s)")
                .contains("aws.route53.hosted_zone_id (from config file")
                .contains("a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ")
                .contains("'1500ms' is not valid; a whole number of seconds");
    }

    @Test
    void multivalueReadersNeedARecords() throws IOException {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> load("""
                  route53: {enabled: true, hosted_zone_id: Z1D633PJN98FT9, primary_record: db.example.net, reader_routing: multivalue}
                """, Map.of()));

        assertThat(e.problems()).hasSize(1);
        assertThat(e.getMessage())
                .contains("aws.route53.reader_routing")
                .contains("multivalue answers only for A records");
    }

    @Test
    void cnameRecordsNeedTheNodesDnsName() throws IOException {
        String route53 = "  route53: {enabled: true, hosted_zone_id: Z1D633PJN98FT9, primary_record: db.example.net}\n";
        ConfigException missing = catchThrowableOfType(ConfigException.class, () -> load(route53, Map.of(), ""));
        assertThat(missing.problems()).hasSize(1);
        assertThat(missing.getMessage()).contains("node.dns_name: missing; required when aws.route53.type is CNAME");

        ConfigException address =
                catchThrowableOfType(ConfigException.class, () -> load(route53, Map.of(), "  dns_name: 10.0.0.5\n"));
        assertThat(address.getMessage())
                .contains("node.dns_name")
                .contains("'10.0.0.5' is not valid")
                .contains("not an address");

        assertThat(load(route53, Map.of(), "  dns_name: db01.internal.\n")
                        .node()
                        .dnsName())
                .contains("db01.internal");
    }

    @Test
    void aRecordsNeedAnAddressAsTheNodesHost() throws IOException {
        String route53 =
                "  route53: {enabled: true, hosted_zone_id: Z1D633PJN98FT9, primary_record: db.example.net, type: a}\n";
        assertThat(load(route53, Map.of(), "").aws().route53().type()).isEqualTo(RecordType.A);

        Path file = Files.writeString(
                dir.resolve("named.yml"),
                ConfigLoaderTest.VALID_YAML
                        .replace("  host: 10.0.0.5\n", "  host: db01.internal\n")
                        .replace("  imds: off\n", "  imds: off\n" + route53));
        ConfigException named = catchThrowableOfType(
                ConfigException.class,
                () -> ConfigLoader.load(
                        new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, Map.of(), Map.of())));
        assertThat(named.getMessage())
                .contains("node.host")
                .contains("'db01.internal' is not valid; an IPv4 address when aws.route53.type is A");
    }

    private StewardConfig load(String awsLines, Map<String, String> env) throws IOException {
        return load(awsLines, env, "  dns_name: db01.example.internal\n");
    }

    private StewardConfig load(String awsLines, Map<String, String> env, String nodeLines) throws IOException {
        Path file = Files.writeString(
                dir.resolve("steward.yml"),
                ConfigLoaderTest.VALID_YAML
                        .replace("  host: 10.0.0.5\n", "  host: 10.0.0.5\n" + nodeLines)
                        .replace("  imds: off\n", "  imds: off\n" + awsLines));
        return ConfigLoader.load(new ConfigLoader.Sources(Optional.of(file), Optional.empty(), false, env, Map.of()));
    }
}
