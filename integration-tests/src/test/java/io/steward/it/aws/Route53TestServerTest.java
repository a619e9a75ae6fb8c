package io.steward.it.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.steward.it.aws.Route53TestServer.Fault;
import io.steward.it.aws.Route53TestServer.Operation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.ChangeInfo;
import software.amazon.awssdk.services.route53.model.ChangeStatus;
import software.amazon.awssdk.services.route53.model.GetHostedZoneResponse;
import software.amazon.awssdk.services.route53.model.InvalidChangeBatchException;
import software.amazon.awssdk.services.route53.model.InvalidInputException;
import software.amazon.awssdk.services.route53.model.ListResourceRecordSetsResponse;
import software.amazon.awssdk.services.route53.model.NoSuchChangeException;
import software.amazon.awssdk.services.route53.model.NoSuchHostedZoneException;
import software.amazon.awssdk.services.route53.model.PriorRequestNotCompleteException;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;
import software.amazon.awssdk.services.route53.model.Route53Exception;

/** The test server's fidelity, checked through the real AWS SDK v2 client against Route 53's documented behaviour. */
class Route53TestServerTest {
    private Route53TestServer server;
    private Route53Client client;
    private String zone;

    @BeforeEach
    void start() {
        server = Route53TestServer.start();
        client = server.client();
        zone = server.createHostedZone("example.net");
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void aNewZoneHasItsSoaAndNsRecordsAndCanBeFound() {
        GetHostedZoneResponse hostedZone = client.getHostedZone(r -> r.id(zone));

        assertThat(hostedZone.hostedZone().id()).isEqualTo(zone); // the SDK strips /hostedzone/
        assertThat(hostedZone.hostedZone().name()).isEqualTo("example.net.");
        assertThat(hostedZone.hostedZone().resourceRecordSetCount()).isEqualTo(2L);
        assertThat(hostedZone.delegationSet().nameServers()).hasSize(4);
        assertThat(list(null, null, null).resourceRecordSets())
                .extracting(ResourceRecordSet::typeAsString)
                .containsExactly("NS", "SOA");
        // the SDK strips /hostedzone/ from GetHostedZone's answer but not from ListHostedZonesByName's
        assertThat(client.listHostedZonesByName(r -> r.dnsName("example.net")).hostedZones())
                .extracting(z -> z.id())
                .containsExactly("/hostedzone/" + zone);
        assertThat(catchThrowableOfType(
                                NoSuchHostedZoneException.class, () -> client.getHostedZone(r -> r.id("ZNOTTHERE")))
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void createFailsWhenTheSetExistsUpsertReplacesDeleteMustMatchExactly() {
        ResourceRecordSet first = cname("db.example.net", "db01.example.net");
        change(ChangeAction.CREATE, first);

        InvalidChangeBatchException again =
                catchThrowableOfType(InvalidChangeBatchException.class, () -> change(ChangeAction.CREATE, first));
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(again.awsErrorDetails().errorCode()).isEqualTo("InvalidChangeBatch");
        assertThat(again.awsErrorDetails().errorMessage())
                .isEqualTo(
                        "[Tried to create resource record set [name='db.example.net.', type='CNAME'] but it already exists]");

        ResourceRecordSet second = cname("db.example.net", "db02.example.net");
        change(ChangeAction.UPSERT, second);
        assertThat(values("db.example.net.")).containsExactly("db02.example.net");

        assertThat(message(() -> change(ChangeAction.DELETE, first)))
                .isEqualTo(
                        "[Tried to delete resource record set "
                                + "[name='db.example.net.', type='CNAME'] but the values provided do not match the current values]");
        assertThat(message(() ->
                        change(ChangeAction.DELETE, second.toBuilder().ttl(61L).build())))
                .contains("do not match the current values");
        change(ChangeAction.DELETE, second);
        assertThat(values("db.example.net.")).isEmpty();
        assertThat(message(() -> change(ChangeAction.DELETE, second)))
                .isEqualTo(
                        "[Tried to delete resource record set [name='db.example.net.', type='CNAME'] but it was not found]");
    }

    @Test
    void aBatchIsAllOrNothing() {
        change(ChangeAction.CREATE, cname("db.example.net", "db01.example.net"));

        InvalidChangeBatchException e = catchThrowableOfType(
                InvalidChangeBatchException.class,
                () -> client.changeResourceRecordSets(r -> r.hostedZoneId(zone)
                        .changeBatch(b -> b.changes(
                                change(ChangeAction.CREATE, "ro.example.net", "10.0.0.6"),
                                Change.builder()
                                        .action(ChangeAction.CREATE)
                                        .resourceRecordSet(cname("db.example.net", "db02.example.net"))
                                        .build(),
                                change(ChangeAction.UPSERT, "other.example.com", "10.0.0.7")))));

        assertThat(e.awsErrorDetails().errorMessage())
                .isEqualTo(
                        "[Tried to create resource record set [name='db.example.net.', type='CNAME'] but it already exists, "
                                + "RRSet with DNS name other.example.com. is not permitted in zone example.net.]");
        assertThat(values("ro.example.net."))
                .as("the valid change of the rejected batch")
                .isEmpty();
        assertThat(values("db.example.net.")).containsExactly("db01.example.net");
    }

    @Test
    void aCnameStandsAloneAndOneNameAndTypeHasOneRoutingPolicy() {
        change(ChangeAction.CREATE, cname("db.example.net", "db01.example.net"));
        assertThat(catchThrowableOfType(
                                InvalidChangeBatchException.class,
                                () -> client.changeResourceRecordSets(r -> r.hostedZoneId(zone)
                                        .changeBatch(b ->
                                                b.changes(change(ChangeAction.CREATE, "db.example.net", "10.0.0.5")))))
                        .getMessage())
                .contains("conflicting RRSet of type CNAME");

        ResourceRecordSet simple = address("ro.example.net", "10.0.0.5").build();
        change(ChangeAction.CREATE, simple);
        assertThat(catchThrowableOfType(
                                InvalidChangeBatchException.class,
                                () -> change(
                                        ChangeAction.CREATE,
                                        address("ro.example.net", "10.0.0.6")
                                                .setIdentifier("db02")
                                                .weight(1L)
                                                .build()))
                        .getMessage())
                .contains("a non-weighted set exists");

        change(ChangeAction.DELETE, simple);
        change(
                ChangeAction.CREATE,
                address("ro.example.net", "10.0.0.6")
                        .setIdentifier("db02")
                        .weight(1L)
                        .build());
        change(
                ChangeAction.CREATE,
                address("ro.example.net", "10.0.0.7")
                        .setIdentifier("db03")
                        .weight(1L)
                        .build());
        assertThat(catchThrowableOfType(
                                InvalidChangeBatchException.class,
                                () -> change(
                                        ChangeAction.CREATE,
                                        address("ro.example.net", "10.0.0.8")
                                                .setIdentifier("db04")
                                                .multiValueAnswer(true)
                                                .build()))
                        .getMessage())
                .contains("a weighted RRSet exists");
        assertThat(list("ro.example.net", null, null).resourceRecordSets())
                .extracting(ResourceRecordSet::setIdentifier)
                .startsWith("db02", "db03");

        assertThat(catchThrowableOfType(
                        InvalidInputException.class,
                        () -> change(
                                ChangeAction.CREATE,
                                cname("mv.example.net", "db01.example.net").toBuilder()
                                        .setIdentifier("x")
                                        .multiValueAnswer(true)
                                        .build())))
                .isNotNull();
        assertThat(catchThrowableOfType(
                                InvalidChangeBatchException.class,
                                () -> change(
                                        ChangeAction.CREATE,
                                        address("bad.example.net", "10.0.0").build()))
                        .getMessage())
                .contains("IPv4");
        assertThat(catchThrowableOfType(
                                InvalidChangeBatchException.class,
                                () -> change(
                                        ChangeAction.DELETE,
                                        list(null, null, null)
                                                .resourceRecordSets()
                                                .get(1)))
                        .getMessage())
                .contains("SOA");
    }

    @Test
    void listingIsInRoute53OrderFromTheStartNameAndTypeAndPages() {
        change(ChangeAction.CREATE, address("b.example.net", "10.0.0.2").build());
        change(ChangeAction.CREATE, address("a.b.example.net", "10.0.0.3").build());
        change(ChangeAction.CREATE, address("c.example.net", "10.0.0.4").build());
        change(ChangeAction.CREATE, txt("c.example.net", "\"hello\""));

        // labels reversed: net.example.  net.example.b.  net.example.b.a.  net.example.c.
        assertThat(list(null, null, null).resourceRecordSets())
                .extracting(ResourceRecordSet::name, ResourceRecordSet::typeAsString)
                .containsExactly(
                        tuple("example.net.", "NS"),
                        tuple("example.net.", "SOA"),
                        tuple("b.example.net.", "A"),
                        tuple("a.b.example.net.", "A"),
                        tuple("c.example.net.", "A"),
                        tuple("c.example.net.", "TXT"));
        assertThat(list("C.example.net", "TXT", null).resourceRecordSets())
                .extracting(ResourceRecordSet::typeAsString)
                .containsExactly("TXT");
        assertThat(list("bb.example.net", null, null).resourceRecordSets())
                .extracting(ResourceRecordSet::name)
                .as("a name that does not exist starts at the next one")
                .containsExactly("c.example.net.", "c.example.net.");

        ListResourceRecordSetsResponse page = client.listResourceRecordSets(
                r -> r.hostedZoneId(zone).startRecordName("b.example.net").maxItems("2"));
        assertThat(page.isTruncated()).isTrue();
        assertThat(page.nextRecordName()).isEqualTo("c.example.net.");
        assertThat(page.nextRecordType()).isEqualTo(RRType.A);
        assertThat(page.maxItems()).isEqualTo("2");
    }

    @Test
    void aChangeIsPendingUntilTheDelayHasPassedThenInsync() {
        server.insyncDelay(Duration.ofSeconds(3));

        ChangeInfo info = change(ChangeAction.CREATE, cname("db.example.net", "db01.example.net"));

        assertThat(info.status()).isEqualTo(ChangeStatus.PENDING);
        assertThat(info.id()).doesNotStartWith("/change/").startsWith("C");
        assertThat(client.getChange(r -> r.id(info.id())).changeInfo().status()).isEqualTo(ChangeStatus.PENDING);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> client.getChange(r -> r.id(info.id())).changeInfo().status(), ChangeStatus.INSYNC::equals);
        assertThat(catchThrowableOfType(NoSuchChangeException.class, () -> client.getChange(r -> r.id("CNOSUCHCHANGE")))
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void injectedFaultsAnswerTheNextCallsAndEveryCallIsCounted() {
        server.failNext(2, Fault.THROTTLING);
        server.failNext(1, Fault.PRIOR_REQUEST_NOT_COMPLETE, Operation.CHANGE_RESOURCE_RECORD_SETS);

        Route53Exception throttled = catchThrowableOfType(Route53Exception.class, () -> list(null, null, null));
        assertThat(throttled.statusCode()).isEqualTo(400);
        assertThat(throttled.awsErrorDetails().errorCode()).isEqualTo("Throttling");
        assertThat(throttled.isThrottlingException()).isTrue();
        assertThat(catchThrowableOfType(Route53Exception.class, () -> client.getChange(r -> r.id("C1")))
                        .awsErrorDetails()
                        .errorCode())
                .isEqualTo("Throttling");
        assertThat(catchThrowableOfType(
                                PriorRequestNotCompleteException.class,
                                () -> change(ChangeAction.CREATE, cname("db.example.net", "db01.example.net")))
                        .statusCode())
                .isEqualTo(400);
        assertThat(values("db.example.net.")).isEmpty();
        change(ChangeAction.CREATE, cname("db.example.net", "db01.example.net"));

        assertThat(server.calls(Operation.LIST_RESOURCE_RECORD_SETS)).isEqualTo(1);
        assertThat(server.calls(Operation.GET_CHANGE)).isEqualTo(1);
        assertThat(server.calls(Operation.CHANGE_RESOURCE_RECORD_SETS)).isEqualTo(2);
    }

    @Test
    void anUnsignedRequestIsRefused() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(server.endpoint() + "/2013-04-01/hostedzone/" + zone))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body())
                .contains("<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">")
                .contains("<Code>MissingAuthenticationToken</Code>");
    }

    /** The message of the InvalidChangeBatch error the call must fail with. */
    private static String message(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        InvalidChangeBatchException e = catchThrowableOfType(InvalidChangeBatchException.class, call);
        assertThat(e).as("InvalidChangeBatch").isNotNull();
        assertThat(e.statusCode()).isEqualTo(400);
        return e.awsErrorDetails().errorMessage();
    }

    private ChangeInfo change(ChangeAction action, ResourceRecordSet set) {
        return client.changeResourceRecordSets(r -> r.hostedZoneId(zone)
                        .changeBatch(b -> b.changes(Change.builder()
                                .action(action)
                                .resourceRecordSet(set)
                                .build())))
                .changeInfo();
    }

    private static Change change(ChangeAction action, String name, String address) {
        return Change.builder()
                .action(action)
                .resourceRecordSet(address(name, address).build())
                .build();
    }

    private ListResourceRecordSetsResponse list(String name, String type, String identifier) {
        return client.listResourceRecordSets(r ->
                r.hostedZoneId(zone).startRecordName(name).startRecordType(type).startRecordIdentifier(identifier));
    }

    private List<String> values(String name) {
        return server.recordSets(zone).stream()
                .filter(s -> s.name().equals(name))
                .flatMap(s -> s.values().stream())
                .toList();
    }

    private static ResourceRecordSet cname(String name, String host) {
        return ResourceRecordSet.builder()
                .name(name)
                .type(RRType.CNAME)
                .ttl(60L)
                .resourceRecords(ResourceRecord.builder().value(host).build())
                .build();
    }

    private static ResourceRecordSet txt(String name, String text) {
        return ResourceRecordSet.builder()
                .name(name)
                .type(RRType.TXT)
                .ttl(60L)
                .resourceRecords(ResourceRecord.builder().value(text).build())
                .build();
    }

    private static ResourceRecordSet.Builder address(String name, String address) {
        return ResourceRecordSet.builder()
                .name(name)
                .type(RRType.A)
                .ttl(60L)
                .resourceRecords(ResourceRecord.builder().value(address).build());
    }

    private static org.assertj.core.groups.Tuple tuple(Object... values) {
        return org.assertj.core.groups.Tuple.tuple(values);
    }
}
