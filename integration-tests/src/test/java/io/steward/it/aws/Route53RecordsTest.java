package io.steward.it.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.steward.aws.LeaseCheck;
import io.steward.aws.RecordIntent;
import io.steward.aws.Route53Publisher;
import io.steward.aws.Route53Records;
import io.steward.aws.Target;
import io.steward.config.Route53Config;
import io.steward.config.Route53Config.ReaderRouting;
import io.steward.config.Route53Config.RecordType;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The records a member keeps in line ({@link Route53Records}) against {@link Route53TestServer}: each record set is
 * its own change, so one Route 53 refuses delays only itself.
 */
class Route53RecordsTest {
    private static final Target DB01 = new Target("db01", RecordType.CNAME, "db01.example.net");
    private static final Target DB02 = new Target("db02", RecordType.CNAME, "db02.example.net");
    private static final Target DEAD = new Target("db03", RecordType.CNAME, "db03.example.net");
    private static final LeaseCheck EPOCH_7 = () -> OptionalLong.of(7);
    private static final String WEIGHTED = "all.example.net";

    private Route53TestServer server;
    private String zone;
    private Route53Config config;
    private final MetricRegistry metrics = new MetricRegistry();

    @BeforeEach
    void start() {
        server = Route53TestServer.start();
        zone = server.createHostedZone("example.net");
        config = new Route53Config(
                true,
                zone,
                Optional.empty(),
                "db.example.net",
                Optional.of("ro.example.net"),
                Optional.of("nodes.example.net"),
                RecordType.CNAME,
                ReaderRouting.WEIGHTED,
                Duration.ofSeconds(60),
                Optional.of(server.endpoint()),
                Duration.ofSeconds(30),
                Duration.ofMillis(20),
                3,
                Duration.ofMillis(5),
                Optional.of(WEIGHTED),
                Route53Config.DEFAULT_WEIGHT);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aRefusedReaderRecordHoldsUpNoOtherRecordNorTheRemovalOfADeadMembersEntry() {
        try (Route53Publisher setup = publisher()) {
            setup.publishWeightedEntry(WEIGHTED, "i-dead", Optional.of(DEAD), Route53Config.DEFAULT_WEIGHT);
        }
        server.refuseChangesTo("ro.example.net");
        // db03 has died with its node: ZooKeeper knows only db01 and db02
        RecordIntent intent = new RecordIntent(
                Optional.of(DB01),
                List.of(DB02),
                Optional.of(DB01),
                Optional.of(DB01),
                Set.of(DB01.value(), DB02.value()));

        try (Route53Records records =
                new Route53Records(config, publisher(), "db01", "i-db01", EPOCH_7, () -> true, metrics)) {
            records.offer(intent);

            // the orphan grace is 10 s; retries after the refusal back off 2, 4, 8, 16 s
            await("the dead member's entry removed")
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> identifiers(WEIGHTED).equals(Set.of("i-db01")));
            assertThat(values("db.example.net.")).containsExactly("db01.example.net");
            assertThat(values("db01.nodes.example.net.")).containsExactly("db01.example.net");
            assertThat(values("ro.example.net.")).as("the refused record").isEmpty();
            assertThat(metrics.counter(Route53Records.FAILURES).getCount()).isPositive();
        }
    }

    private Route53Publisher publisher() {
        return new Route53Publisher(
                config, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test-secret")));
    }

    private List<String> values(String name) {
        return server.recordSets(zone).stream()
                .filter(set -> set.name().equals(name))
                .flatMap(set -> set.values().stream())
                .toList();
    }

    private Set<String> identifiers(String name) {
        return server.recordSets(zone).stream()
                .filter(set -> set.name().equals(name + "."))
                .map(set -> set.setIdentifier())
                .collect(java.util.stream.Collectors.toSet());
    }
}
