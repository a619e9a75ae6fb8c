package io.steward.it.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.steward.aws.LeaseCheck;
import io.steward.aws.PublishResult;
import io.steward.aws.PublishResult.Outcome;
import io.steward.aws.Route53PublishException;
import io.steward.aws.Route53Publisher;
import io.steward.aws.Target;
import io.steward.config.Route53Config;
import io.steward.config.Route53Config.ReaderRouting;
import io.steward.config.Route53Config.RecordType;
import io.steward.it.aws.Route53TestServer.Fault;
import io.steward.it.aws.Route53TestServer.Operation;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The Route 53 publisher with the real AWS SDK client against {@link Route53TestServer}. */
class Route53PublisherTest {
    private static final Target DB01 = new Target("db01", RecordType.CNAME, "db01.example.net");
    private static final Target DB02 = new Target("db02", RecordType.CNAME, "db02.example.net");
    private static final Target DB03 = new Target("db03", RecordType.CNAME, "db03.example.net");
    private static final Target DB04 = new Target("db04", RecordType.CNAME, "db04.example.net");
    private static final LeaseCheck EPOCH_7 = () -> OptionalLong.of(7);

    private Route53TestServer server;
    private String zone;
    private Route53Publisher publisher;

    @BeforeEach
    void start() {
        server = Route53TestServer.start();
        zone = server.createHostedZone("example.net");
        publisher = publisher(config(RecordType.CNAME, ReaderRouting.WEIGHTED, Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() {
        publisher.close();
        server.close();
    }

    @Test
    void thePrimaryRecordLandsAndIsInsyncBeforePublishReturns() {
        // long enough that the first GetChange finds the change PENDING even on a loaded machine
        server.insyncDelay(Duration.ofSeconds(2));

        PublishResult result = publisher.publishPrimary("db.example.net", DB01, EPOCH_7);

        assertThat(result.outcome()).isEqualTo(Outcome.CHANGED);
        assertThat(result.epoch()).hasValue(7);
        assertThat(result.changeId()).isPresent();
        assertThat(records("db.example.net."))
                .containsExactly(new StoredRecordSet(
                        "db.example.net.", "CNAME", null, null, false, 60, List.of("db01.example.net")));
        assertThat(server.calls(Operation.GET_CHANGE))
                .as("polled while PENDING")
                .isGreaterThan(1);
    }

    @Test
    void aRecordThatIsAlreadyRightCausesNoChangeCall() {
        publisher.publishPrimary("db.example.net", DB01, EPOCH_7);

        PublishResult again = publisher.publishPrimary("db.example.net", DB01, EPOCH_7);

        assertThat(again.outcome()).isEqualTo(Outcome.ALREADY_CURRENT);
        assertThat(server.calls(Operation.CHANGE_RESOURCE_RECORD_SETS)).isEqualTo(1);
    }

    @Test
    void aNewPrimaryTakesTheRecordOver() {
        publisher.publishPrimary("db.example.net", DB01, EPOCH_7);

        PublishResult result = publisher.publishPrimary("db.example.net", DB02, () -> OptionalLong.of(8));

        assertThat(result.outcome()).isEqualTo(Outcome.CHANGED);
        assertThat(records("db.example.net."))
                .extracting(StoredRecordSet::values)
                .containsExactly(List.of("db02.example.net"));
    }

    @Test
    void throttlingAndABusyRoute53AreRetriedUntilTheRecordLands() {
        server.failNext(3, Fault.THROTTLING, Operation.CHANGE_RESOURCE_RECORD_SETS);
        server.failNext(1, Fault.PRIOR_REQUEST_NOT_COMPLETE, Operation.CHANGE_RESOURCE_RECORD_SETS);
        server.failNext(2, Fault.THROTTLING, Operation.GET_CHANGE);

        PublishResult result = publisher.publishPrimary("db.example.net", DB01, EPOCH_7);

        assertThat(result.outcome()).isEqualTo(Outcome.CHANGED);
        assertThat(server.calls(Operation.CHANGE_RESOURCE_RECORD_SETS)).isEqualTo(5);
        assertThat(records("db.example.net.")).hasSize(1);
    }

    @Test
    void throttlingOnTheReadIsRetriedToo() {
        server.failNext(3, Fault.THROTTLING);

        assertThat(publisher.publishPrimary("db.example.net", DB01, EPOCH_7).outcome())
                .isEqualTo(Outcome.CHANGED);
        assertThat(server.calls(Operation.LIST_RESOURCE_RECORD_SETS)).isEqualTo(4);
    }

    @Test
    void retriesAreBounded() {
        server.failNext(100, Fault.THROTTLING, Operation.CHANGE_RESOURCE_RECORD_SETS);

        assertThatThrownBy(() -> publisher.publishPrimary("db.example.net", DB01, EPOCH_7))
                .isInstanceOf(Route53PublishException.class)
                .hasMessageContaining(
                        "ChangeResourceRecordSets still failing after 5 attempts: Throttling: Rate exceeded");
        assertThat(server.calls(Operation.CHANGE_RESOURCE_RECORD_SETS)).isEqualTo(5);
        assertThat(records("db.example.net.")).isEmpty();
    }

    @Test
    void aNodeWithoutTheLeaseChangesNothing() {
        PublishResult result = publisher.publishPrimary("db.example.net", DB01, OptionalLong::empty);

        assertThat(result.outcome()).isEqualTo(Outcome.DEPOSED);
        assertThat(server.calls(Operation.LIST_RESOURCE_RECORD_SETS)).isZero();
        assertThat(server.calls(Operation.CHANGE_RESOURCE_RECORD_SETS)).isZero();
    }

    @Test
    void anEpochThatMovesOnBeforeTheChangeIsRefusedWithoutAChangeCall() {
        PublishResult result = publisher.publishPrimary("db.example.net", DB01, epochs(7, 8));

        assertThat(result.outcome()).isEqualTo(Outcome.DEPOSED);
        assertThat(result.epoch()).hasValue(7);
        assertThat(server.calls(Operation.LIST_RESOURCE_RECORD_SETS)).isEqualTo(1);
        assertThat(server.calls(Operation.CHANGE_RESOURCE_RECORD_SETS)).isZero();
        assertThat(records("db.example.net.")).isEmpty();
    }

    @Test
    void theLeaseIsCheckedAgainBeforeEveryRetryOfTheChange() {
        server.failNext(2, Fault.THROTTLING, Operation.CHANGE_RESOURCE_RECORD_SETS);

        // held at the start and at the first attempt; lost by the second
        PublishResult result = publisher.publishPrimary("db.example.net", DB01, epochs(7, 7, 8));

        assertThat(result.outcome()).isEqualTo(Outcome.DEPOSED);
        assertThat(server.calls(Operation.CHANGE_RESOURCE_RECORD_SETS)).isEqualTo(1);
        assertThat(records("db.example.net.")).isEmpty();
    }

    @Test
    void anAddressRecordReplacesACnameInOneBatch() {
        publisher.publishPrimary("db.example.net", DB01, EPOCH_7);
        try (Route53Publisher addresses =
                publisher(config(RecordType.A, ReaderRouting.MULTIVALUE, Duration.ofSeconds(5)))) {

            PublishResult result =
                    addresses.publishPrimary("db.example.net", new Target("db02", RecordType.A, "10.0.0.6"), EPOCH_7);

            assertThat(result.outcome()).isEqualTo(Outcome.CHANGED);
        }
        assertThat(records("db.example.net."))
                .extracting(StoredRecordSet::type, StoredRecordSet::values)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("A", List.of("10.0.0.6")));
        assertThat(server.calls(Operation.CHANGE_RESOURCE_RECORD_SETS)).isEqualTo(2);
    }

    @Test
    void aChangeThatIsNotInsyncInTimeIsAnError() {
        server.insyncDelay(Duration.ofSeconds(30));
        try (Route53Publisher impatient =
                publisher(config(RecordType.CNAME, ReaderRouting.WEIGHTED, Duration.ofMillis(300)))) {

            assertThatThrownBy(() -> impatient.publishPrimary("db.example.net", DB01, EPOCH_7))
                    .isInstanceOf(Route53PublishException.class)
                    .hasMessageContaining("is still PENDING after");
        }
    }

    @Test
    void readersGetOneEntryPerHealthyReplicaAndLoseThoseNoLongerListed() {
        assertThat(publisher
                        .publishReaders("ro.example.net", List.of(DB02, DB03), EPOCH_7)
                        .outcome())
                .isEqualTo(Outcome.CHANGED);
        assertThat(records("ro.example.net."))
                .extracting(StoredRecordSet::setIdentifier, StoredRecordSet::weight)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("db02", 1L),
                        org.assertj.core.groups.Tuple.tuple("db03", 1L));

        assertThat(publisher
                        .publishReaders("ro.example.net", List.of(DB03, DB04), EPOCH_7)
                        .outcome())
                .isEqualTo(Outcome.CHANGED);
        assertThat(records("ro.example.net."))
                .extracting(StoredRecordSet::setIdentifier)
                .containsExactly("db03", "db04");
        assertThat(server.calls(Operation.CHANGE_RESOURCE_RECORD_SETS))
                .as("one batch per publish")
                .isEqualTo(2);

        assertThat(publisher
                        .publishReaders("ro.example.net", List.of(DB04, DB03), EPOCH_7)
                        .outcome())
                .isEqualTo(Outcome.ALREADY_CURRENT);
        assertThat(publisher
                        .publishReaders("ro.example.net", List.of(DB03), OptionalLong::empty)
                        .outcome())
                .isEqualTo(Outcome.DEPOSED);

        assertThat(publisher
                        .publishReaders("ro.example.net", List.of(), EPOCH_7)
                        .outcome())
                .isEqualTo(Outcome.CHANGED);
        assertThat(records("ro.example.net.")).isEmpty();
    }

    @Test
    void multivalueReadersForAddressRecords() {
        try (Route53Publisher addresses =
                publisher(config(RecordType.A, ReaderRouting.MULTIVALUE, Duration.ofSeconds(5)))) {
            addresses.publishReaders(
                    "ro.example.net",
                    List.of(new Target("db02", RecordType.A, "10.0.0.6"), new Target("db03", RecordType.A, "10.0.0.7")),
                    EPOCH_7);
        }
        assertThat(records("ro.example.net."))
                .extracting(StoredRecordSet::setIdentifier, StoredRecordSet::multiValueAnswer)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("db02", true),
                        org.assertj.core.groups.Tuple.tuple("db03", true));
    }

    @Test
    void aMemberRecordIsPublishedAndRemovedWithoutALease() {
        assertThat(publisher.publishMemberRecord("db01.nodes.example.net", DB01).outcome())
                .isEqualTo(Outcome.CHANGED);
        assertThat(records("db01.nodes.example.net."))
                .extracting(StoredRecordSet::values)
                .containsExactly(List.of("db01.example.net"));

        PublishResult removed = publisher.removeMemberRecord("db01.nodes.example.net");

        assertThat(removed.outcome()).isEqualTo(Outcome.CHANGED);
        assertThat(removed.epoch()).isEmpty();
        assertThat(records("db01.nodes.example.net.")).isEmpty();
        assertThat(publisher.removeMemberRecord("db01.nodes.example.net").outcome())
                .isEqualTo(Outcome.ALREADY_CURRENT);
        assertThat(server.calls(Operation.CHANGE_RESOURCE_RECORD_SETS)).isEqualTo(2);
    }

    @Test
    void aHostedZoneThatDoesNotExistFailsAtOnceWithRoute53sWords() {
        Route53Config config = config(RecordType.CNAME, ReaderRouting.WEIGHTED, Duration.ofSeconds(5));
        try (Route53Publisher wrongZone = publisher(inZone(config, "ZNOSUCHZONE", Optional.empty()))) {

            assertThatThrownBy(() -> wrongZone.publishPrimary("db.example.net", DB01, EPOCH_7))
                    .isInstanceOf(Route53PublishException.class)
                    .hasMessageContaining(
                            "ListResourceRecordSets failed: NoSuchHostedZone: No hosted zone found with ID: ZNOSUCHZONE");
        }
        assertThat(server.calls(Operation.LIST_RESOURCE_RECORD_SETS))
                .as("not retried")
                .isEqualTo(1);
    }

    @Test
    void aZoneNamedInsteadOfIdentifiedIsLookedUpOnceAmongZonesOfNearbyNames() {
        server.createHostedZone("a.example.net");
        server.createHostedZone("example.org");
        Route53Config config = config(RecordType.CNAME, ReaderRouting.WEIGHTED, Duration.ofSeconds(5));
        try (Route53Publisher byName = publisher(inZone(config, "", Optional.of("example.net")))) {

            assertThat(byName.publishPrimary("db.example.net", DB01, EPOCH_7).outcome())
                    .isEqualTo(Outcome.CHANGED);
            assertThat(byName.publishMemberRecord("db01.nodes.example.net", DB01)
                            .outcome())
                    .isEqualTo(Outcome.CHANGED);
        }
        assertThat(records("db.example.net."))
                .extracting(StoredRecordSet::values)
                .containsExactly(List.of("db01.example.net"));
        assertThat(server.calls(Operation.LIST_HOSTED_ZONES_BY_NAME)).isEqualTo(1);
    }

    @Test
    void aZoneNameThatNamesNoZoneOrTwoIsRefusedWithTheirIds() {
        Route53Config config = config(RecordType.CNAME, ReaderRouting.WEIGHTED, Duration.ofSeconds(5));
        try (Route53Publisher missing = publisher(inZone(config, "", Optional.of("example.com")))) {
            assertThatThrownBy(() -> missing.publishMemberRecord("db01.example.com", DB01))
                    .isInstanceOf(Route53PublishException.class)
                    .hasMessage("no hosted zone named example.com is visible to this node's credentials "
                            + "(aws.route53.hosted_zone_name); create it, or set aws.route53.hosted_zone_id");
        }
        String twin = server.createHostedZone("example.net");
        try (Route53Publisher ambiguous = publisher(inZone(config, "", Optional.of("example.net")))) {
            assertThatThrownBy(() -> ambiguous.publishMemberRecord("db01.nodes.example.net", DB01))
                    .isInstanceOf(Route53PublishException.class)
                    .hasMessageContaining("2 hosted zones are named example.net (")
                    .hasMessageContaining(zone)
                    .hasMessageContaining(twin)
                    .hasMessageEndingWith(
                            "); set aws.route53.hosted_zone_id to the one that holds the cluster's records");
        }
        assertThat(server.calls(Operation.CHANGE_RESOURCE_RECORD_SETS)).isZero();
    }

    private static Route53Config inZone(Route53Config config, String id, Optional<String> name) {
        return new Route53Config(
                true,
                id,
                name,
                config.primaryRecord(),
                config.readerRecord(),
                config.memberRecordSuffix(),
                config.type(),
                config.readerRouting(),
                config.ttl(),
                config.endpoint(),
                config.insyncTimeout(),
                config.insyncPollInterval(),
                config.maxAttempts(),
                config.retryBaseDelay(),
                config.weightedRecord(),
                config.weight());
    }

    /** A lease check that answers the given epochs in turn, then keeps answering the last one. */
    private static LeaseCheck epochs(long... answers) {
        Deque<Long> left = new ArrayDeque<>();
        for (long answer : answers) {
            left.add(answer);
        }
        return () -> OptionalLong.of(left.size() > 1 ? left.poll() : left.peek());
    }

    private Route53Config config(RecordType type, ReaderRouting routing, Duration insyncTimeout) {
        return new Route53Config(
                true,
                zone,
                Optional.empty(),
                "db.example.net",
                Optional.of("ro.example.net"),
                Optional.of("nodes.example.net"),
                type,
                routing,
                Duration.ofSeconds(60),
                Optional.of(server.endpoint()),
                insyncTimeout,
                Duration.ofMillis(20),
                5,
                Duration.ofMillis(5),
                Optional.empty(),
                Route53Config.DEFAULT_WEIGHT);
    }

    private static Route53Publisher publisher(Route53Config config) {
        return new Route53Publisher(
                config, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test-secret")));
    }

    private List<StoredRecordSet> records(String name) {
        return server.recordSets(zone).stream()
                .filter(s -> s.name().equals(name))
                .toList();
    }
}
