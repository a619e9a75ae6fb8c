package io.steward.it.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.steward.it.aws.HostedZone.Action;
import io.steward.it.aws.HostedZone.RequestedChange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.w3c.dom.Element;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.route53.Route53Client;

/**
 * A Route 53 endpoint for tests, on 127.0.0.1: the REST/XML API under {@code /2013-04-01/} as the AWS SDK v2
 * {@code Route53Client} speaks it, with real state behind it.
 *
 * <p>Hosted zones are created by the test ({@link #createHostedZone}); the API serves {@code GetHostedZone},
 * {@code ListHostedZonesByName}, {@code ChangeResourceRecordSets} (CREATE, UPSERT, DELETE; a batch is all or
 * nothing), {@code ListResourceRecordSets} (in Route 53's order, with start name, type and identifier, paged) and
 * {@code GetChange} (PENDING until {@link #insyncDelay} has passed, then INSYNC). Errors are Route 53's XML
 * {@code ErrorResponse} with its codes. Tests can make the next calls fail ({@link #failNext}), refuse every change
 * to one record ({@link #refuseChangesTo}) and count calls per operation ({@link #calls}). Signatures are required in form (SigV4 for us-east-1/route53) but not verified.
 */
public final class Route53TestServer implements AutoCloseable {
    private static final String PREFIX = "/2013-04-01/";
    private static final int MAX_ITEMS = 300;

    public enum Operation {
        CHANGE_RESOURCE_RECORD_SETS,
        LIST_RESOURCE_RECORD_SETS,
        GET_CHANGE,
        GET_HOSTED_ZONE,
        LIST_HOSTED_ZONES_BY_NAME
    }

    /** Errors a test can inject. */
    public enum Fault {
        THROTTLING("Throttling", "Rate exceeded"),
        PRIOR_REQUEST_NOT_COMPLETE(
                "PriorRequestNotComplete",
                "The request was rejected because Route 53 was still processing a prior request.");

        final String code;
        final String message;

        Fault(String code, String message) {
            this.code = code;
            this.message = message;
        }
    }

    private record PlannedFault(Optional<Operation> operation, Fault fault, AtomicInteger remaining) {}

    /** One applied change of a batch, with the batch's comment, in the order the server applied them. */
    public record AppliedChange(String comment, String action, StoredRecordSet recordSet) {}

    private record SubmittedChange(String id, Instant submittedAt, Instant insyncAt, String comment) {
        String status(Instant now) {
            return now.isBefore(insyncAt) ? "PENDING" : "INSYNC";
        }
    }

    private final HttpServer http;
    private final Map<String, HostedZone> zones = new LinkedHashMap<>();
    private final Map<String, SubmittedChange> changes = new HashMap<>();
    private final List<AppliedChange> applied = new ArrayList<>();
    private final List<PlannedFault> faults = new ArrayList<>();
    /** Names (with the final dot) whose changes are refused as an IAM condition or a bad value would make them. */
    private final java.util.Set<String> refusedNames = new java.util.HashSet<>();

    private final Map<Operation, AtomicInteger> calls = new EnumMap<>(Operation.class);
    private final AtomicLong ids = new AtomicLong();
    private volatile Duration insyncDelay = Duration.ZERO;

    static {
        // The JDK server writes headers and body separately; with Nagle's algorithm on, the body then waits for the
        // client's delayed ACK, some 40 ms per call. Read once, when the first HttpServer of the JVM starts.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private Route53TestServer() throws IOException {
        for (Operation operation : Operation.values()) {
            calls.put(operation, new AtomicInteger());
        }
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", this::handle);
        http.start();
    }

    public static Route53TestServer start() {
        try {
            return new Route53TestServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /** A real SDK client for this server, with fake credentials and without the SDK's own retries. */
    public Route53Client client() {
        return Route53Client.builder()
                .endpointOverride(endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test-secret")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    /** Creates a public hosted zone with its SOA and NS records; returns its id (without {@code /hostedzone/}). */
    public synchronized String createHostedZone(String name) {
        String id = "Z" + String.format("%019X", ids.incrementAndGet() * 7919);
        List<String> nameServers =
                List.of("ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net");
        zones.put(id, new HostedZone(id, name, UUID.randomUUID().toString(), nameServers));
        return id;
    }

    /** How long a change stays PENDING before GetChange reports it INSYNC; applies to changes made from now on. */
    public void insyncDelay(Duration delay) {
        insyncDelay = delay;
    }

    /** The next {@code count} calls, of any operation, answer with {@code fault}. */
    public synchronized void failNext(int count, Fault fault) {
        faults.add(new PlannedFault(Optional.empty(), fault, new AtomicInteger(count)));
    }

    /** The next {@code count} calls of {@code operation} answer with {@code fault}. */
    public synchronized void failNext(int count, Fault fault, Operation operation) {
        faults.add(new PlannedFault(Optional.of(operation), fault, new AtomicInteger(count)));
    }

    /**
     * Every change batch that touches {@code recordName} is refused from now on ({@code InvalidChangeBatch}, nothing
     * of the batch applied), as Route 53 refuses a change an IAM condition forbids or whose value it rejects.
     */
    public synchronized void refuseChangesTo(String recordName) {
        refusedNames.add(recordName.endsWith(".") ? recordName : recordName + ".");
    }

    /** Calls of an operation so far, including those answered with an injected fault. */
    public int calls(Operation operation) {
        return calls.get(operation).get();
    }

    /** Every change applied so far, oldest first (a failed batch applies none). */
    public synchronized List<AppliedChange> appliedChanges() {
        return List.copyOf(applied);
    }

    /** The zone's record sets in listing order, for assertions that do not go through the API. */
    public synchronized List<StoredRecordSet> recordSets(String zoneId) {
        return zone(zoneId).recordSets();
    }

    @Override
    public void close() {
        http.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            String answer;
            int status = 200;
            try {
                answer = dispatch(exchange, body);
            } catch (Route53Error e) {
                status = e.status;
                answer = errorResponse(e, requestId);
            } catch (RuntimeException e) {
                // a bug in this server: say so in the answer, where the failing test shows it
                status = 500;
                answer = errorResponse(new Route53Error(500, "InternalFailure", List.of(e.toString())), requestId);
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml");
            exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        } finally {
            exchange.close();
        }
    }

    private synchronized String dispatch(HttpExchange exchange, byte[] body) {
        String method = exchange.getRequestMethod();
        String rawPath = exchange.getRequestURI().getRawPath();
        if (!rawPath.startsWith(PREFIX)) {
            throw new Route53Error(
                    404, "UnknownOperationException", List.of("No such API version or operation: " + rawPath));
        }
        List<String> segments = new ArrayList<>();
        for (String segment : rawPath.substring(PREFIX.length()).split("/")) {
            if (!segment.isEmpty()) {
                segments.add(URLDecoder.decode(segment, StandardCharsets.UTF_8));
            }
        }
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Operation operation = operation(method, segments);
        calls.get(operation).incrementAndGet();
        requireSignature(exchange);
        injectedFault(operation).ifPresent(fault -> {
            throw new Route53Error(400, fault.code, List.of(fault.message));
        });
        return switch (operation) {
            case CHANGE_RESOURCE_RECORD_SETS -> changeResourceRecordSets(zone(segments.get(1)), Xml.parse(body));
            case LIST_RESOURCE_RECORD_SETS -> listResourceRecordSets(zone(segments.get(1)), query);
            case GET_HOSTED_ZONE ->
                Xml.document("GetHostedZoneResponse", hostedZone(zone(segments.get(1))) + delegationSet());
            case LIST_HOSTED_ZONES_BY_NAME -> listHostedZonesByName(query);
            case GET_CHANGE -> getChange(segments.get(1));
        };
    }

    private static Operation operation(String method, List<String> segments) {
        if (segments.size() == 1 && segments.get(0).equals("hostedzonesbyname") && method.equals("GET")) {
            return Operation.LIST_HOSTED_ZONES_BY_NAME;
        }
        if (segments.size() == 2 && segments.get(0).equals("change") && method.equals("GET")) {
            return Operation.GET_CHANGE;
        }
        if (segments.size() == 2 && segments.get(0).equals("hostedzone") && method.equals("GET")) {
            return Operation.GET_HOSTED_ZONE;
        }
        if (segments.size() == 3
                && segments.get(0).equals("hostedzone")
                && segments.get(2).equals("rrset")) {
            if (method.equals("POST")) {
                return Operation.CHANGE_RESOURCE_RECORD_SETS;
            }
            if (method.equals("GET")) {
                return Operation.LIST_RESOURCE_RECORD_SETS;
            }
        }
        throw new Route53Error(
                404,
                "UnknownOperationException",
                List.of("This test server does not serve " + method + " " + PREFIX + String.join("/", segments)));
    }

    /** The SDK signs every request with SigV4; an unsigned or wrongly scoped one is refused as by Route 53. */
    private static void requireSignature(HttpExchange exchange) {
        String authorization = Optional.ofNullable(exchange.getRequestHeaders().getFirst("Authorization"))
                .orElse("");
        if (authorization.isEmpty()) {
            throw new Route53Error(403, "MissingAuthenticationToken", List.of("Missing Authentication Token"));
        }
        if (!authorization.startsWith("AWS4-HMAC-SHA256 Credential=")
                || !authorization.contains("/us-east-1/route53/aws4_request")
                || exchange.getRequestHeaders().getFirst("X-Amz-Date") == null) {
            throw new Route53Error(
                    403, "IncompleteSignature", List.of("Expected a SigV4 signature scoped to us-east-1/route53"));
        }
    }

    private Optional<Fault> injectedFault(Operation operation) {
        for (Iterator<PlannedFault> it = faults.iterator(); it.hasNext(); ) {
            PlannedFault planned = it.next();
            if (planned.operation().isPresent() && planned.operation().get() != operation) {
                continue;
            }
            if (planned.remaining().decrementAndGet() <= 0) {
                it.remove();
            }
            return Optional.of(planned.fault());
        }
        return Optional.empty();
    }

    private HostedZone zone(String rawId) {
        String id = rawId.startsWith("/hostedzone/") ? rawId.substring("/hostedzone/".length()) : rawId;
        HostedZone zone = zones.get(id);
        if (zone == null) {
            throw Route53Error.noSuchHostedZone(id);
        }
        return zone;
    }

    private String changeResourceRecordSets(HostedZone zone, Element request) {
        if (!"ChangeResourceRecordSetsRequest".equals(request.getLocalName())
                || !Xml.NAMESPACE.equals(request.getNamespaceURI())) {
            throw Route53Error.invalidInput("Expected a ChangeResourceRecordSetsRequest in namespace " + Xml.NAMESPACE);
        }
        Element batch = Xml.child(request, "ChangeBatch")
                .orElseThrow(() -> Route53Error.invalidInput("ChangeBatch is required"));
        List<Element> changeElements =
                Xml.child(batch, "Changes").map(c -> Xml.children(c, "Change")).orElse(List.of());
        if (changeElements.isEmpty()) {
            throw Route53Error.invalidInput(
                    "1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy "
                            + "constraint: Member must have length greater than or equal to 1");
        }
        List<RequestedChange> requested = new ArrayList<>();
        for (Element change : changeElements) {
            requested.add(requestedChange(change));
        }
        for (RequestedChange change : requested) {
            if (refusedNames.contains(change.recordSet().name())) {
                throw Route53Error.invalidChangeBatch(
                        List.of("[Changes to " + change.recordSet().name() + " are not permitted]"));
            }
        }
        zone.apply(requested);
        String comment = Xml.text(batch, "Comment").orElse("");
        requested.forEach(
                change -> applied.add(new AppliedChange(comment, change.action().name(), change.recordSet())));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        SubmittedChange submitted = new SubmittedChange(
                "C" + String.format("%013X", ids.incrementAndGet() * 104729), now, now.plus(insyncDelay), comment);
        changes.put(submitted.id(), submitted);
        // Route 53 answers PENDING even when the change is in sync a moment later
        return Xml.document("ChangeResourceRecordSetsResponse", changeInfo(submitted, "PENDING"));
    }

    private static RequestedChange requestedChange(Element change) {
        String actionText = Xml.text(change, "Action").orElse("");
        Action action;
        try {
            action = Action.valueOf(actionText);
        } catch (IllegalArgumentException e) {
            throw Route53Error.invalidInput("Invalid XML ; cvc-enumeration-valid: Value '" + actionText
                    + "' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'.");
        }
        Element set = Xml.child(change, "ResourceRecordSet")
                .orElseThrow(() -> Route53Error.invalidInput("ResourceRecordSet is required"));
        for (String unsupported : List.of(
                "AliasTarget",
                "HealthCheckId",
                "Failover",
                "Region",
                "GeoLocation",
                "TrafficPolicyInstanceId",
                "CidrRoutingConfig",
                "GeoProximityLocation")) {
            if (Xml.child(set, unsupported).isPresent()) {
                throw Route53Error.invalidInput(unsupported + " is not supported by this test server");
            }
        }
        String name = Xml.text(set, "Name")
                .filter(n -> !n.isEmpty())
                .orElseThrow(() -> Route53Error.invalidInput("Name is required"));
        String type = Xml.text(set, "Type").orElse("");
        if (!Set.of("A", "AAAA", "CNAME", "TXT", "MX", "NS", "SOA", "SRV", "PTR", "SPF", "NAPTR", "CAA", "DS")
                .contains(type)) {
            throw Route53Error.invalidInput(
                    "Invalid XML ; cvc-enumeration-valid: Value '" + type + "' is not a record type");
        }
        String setIdentifier = Xml.text(set, "SetIdentifier").orElse(null);
        Long weight =
                Xml.text(set, "Weight").map(text -> number(text, "Weight")).orElse(null);
        boolean multiValue =
                Xml.text(set, "MultiValueAnswer").map(Boolean::parseBoolean).orElse(false);
        String described = "[Action=" + action + ", Name=" + name + ", Type=" + type
                + (setIdentifier == null ? "" : ", SetIdentifier=" + setIdentifier) + "]";
        if (weight != null && (weight < 0 || weight > 255)) {
            throw Route53Error.invalidInput(
                    "Invalid request: Weight must be from 0 to 255 in Change with " + described);
        }
        if (weight != null && multiValue) {
            throw Route53Error.invalidInput(
                    "Invalid request: Expected at most one routing policy in Change with " + described);
        }
        if ((setIdentifier == null) != (weight == null && !multiValue)) {
            throw Route53Error.invalidInput("Invalid request: A SetIdentifier goes with exactly one routing policy "
                    + "(Weight or MultiValueAnswer) in Change with " + described);
        }
        if (multiValue && type.equals("CNAME")) {
            throw Route53Error.invalidInput(
                    "Invalid request: MultiValueAnswer is not supported for type CNAME in Change with " + described);
        }
        Long ttl = Xml.text(set, "TTL").map(text -> number(text, "TTL")).orElse(null);
        List<String> values =
                Xml.child(set, "ResourceRecords").map(r -> Xml.children(r, "ResourceRecord")).orElse(List.of()).stream()
                        .map(r -> Xml.text(r, "Value").orElse(""))
                        .toList();
        if (ttl == null || values.isEmpty()) {
            throw Route53Error.invalidInput("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and "
                    + "ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with " + described);
        }
        if (ttl < 0 || ttl > 2147483647L) {
            throw Route53Error.invalidInput(
                    "Invalid request: TTL must be from 0 to 2147483647 in Change with " + described);
        }
        return new RequestedChange(
                action,
                new StoredRecordSet(
                        HostedZone.canonicalName(name), type, setIdentifier, weight, multiValue, ttl, values));
    }

    private String listResourceRecordSets(HostedZone zone, Map<String, String> query) {
        String name = query.get("name");
        String type = query.get("type");
        String identifier = query.get("identifier");
        if (type != null && name == null) {
            throw Route53Error.invalidInput("The input is not valid: type is given without name");
        }
        if (identifier != null && type == null) {
            throw Route53Error.invalidInput("The input is not valid: identifier is given without name and type");
        }
        int maxItems = maxItems(query);
        List<StoredRecordSet> listed =
                name == null ? zone.recordSets() : zone.listFrom(HostedZone.canonicalName(name), type, identifier);
        StringBuilder xml = new StringBuilder("<ResourceRecordSets>");
        listed.stream().limit(maxItems).forEach(set -> xml.append(recordSet(set)));
        xml.append("</ResourceRecordSets>");
        boolean truncated = listed.size() > maxItems;
        Xml.element(xml, "IsTruncated", truncated);
        if (truncated) {
            StoredRecordSet next = listed.get(maxItems);
            Xml.element(xml, "NextRecordName", next.name());
            Xml.element(xml, "NextRecordType", next.type());
            if (next.setIdentifier() != null) {
                Xml.element(xml, "NextRecordIdentifier", next.setIdentifier());
            }
        }
        Xml.element(xml, "MaxItems", maxItems);
        return Xml.document("ListResourceRecordSetsResponse", xml.toString());
    }

    private String listHostedZonesByName(Map<String, String> query) {
        String dnsName = query.get("dnsname");
        String zoneId = query.get("hostedzoneid");
        if (zoneId != null && dnsName == null) {
            throw Route53Error.invalidInput("The input is not valid: hostedzoneid is given without dnsname");
        }
        int maxItems = maxItems(query);
        List<HostedZone> sorted = zones.values().stream()
                .sorted(Comparator.comparing((HostedZone z) -> StoredRecordSet.reversedLabels(z.name))
                        .thenComparing(z -> z.id))
                .filter(z -> dnsName == null
                        || StoredRecordSet.reversedLabels(z.name)
                                        .compareTo(StoredRecordSet.reversedLabels(HostedZone.canonicalName(dnsName)))
                                >= 0)
                .filter(z -> zoneId == null
                        || !z.name.equals(HostedZone.canonicalName(dnsName))
                        || z.id.compareTo(zoneId) >= 0)
                .toList();
        StringBuilder xml = new StringBuilder("<HostedZones>");
        sorted.stream().limit(maxItems).forEach(z -> xml.append(hostedZone(z)));
        xml.append("</HostedZones>");
        if (dnsName != null) {
            Xml.element(xml, "DNSName", dnsName);
        }
        if (zoneId != null) {
            Xml.element(xml, "HostedZoneId", zoneId);
        }
        boolean truncated = sorted.size() > maxItems;
        Xml.element(xml, "IsTruncated", truncated);
        if (truncated) {
            Xml.element(xml, "NextDNSName", sorted.get(maxItems).name);
            Xml.element(xml, "NextHostedZoneId", sorted.get(maxItems).id);
        }
        Xml.element(xml, "MaxItems", maxItems);
        return Xml.document("ListHostedZonesByNameResponse", xml.toString());
    }

    private String getChange(String rawId) {
        String id = rawId.startsWith("/change/") ? rawId.substring("/change/".length()) : rawId;
        SubmittedChange change = changes.get(id);
        if (change == null) {
            throw new Route53Error(
                    404, "NoSuchChange", List.of("A change with the specified change ID does not exist: " + id));
        }
        return Xml.document("GetChangeResponse", changeInfo(change, change.status(Instant.now())));
    }

    private static String changeInfo(SubmittedChange change, String status) {
        StringBuilder xml = new StringBuilder("<ChangeInfo>");
        Xml.element(xml, "Id", "/change/" + change.id());
        Xml.element(xml, "Status", status);
        Xml.element(xml, "SubmittedAt", change.submittedAt());
        if (!change.comment().isEmpty()) {
            Xml.element(xml, "Comment", change.comment());
        }
        return xml.append("</ChangeInfo>").toString();
    }

    private static String hostedZone(HostedZone zone) {
        StringBuilder xml = new StringBuilder("<HostedZone>");
        Xml.element(xml, "Id", "/hostedzone/" + zone.id);
        Xml.element(xml, "Name", zone.name);
        Xml.element(xml, "CallerReference", zone.callerReference);
        xml.append("<Config><PrivateZone>false</PrivateZone></Config>");
        Xml.element(xml, "ResourceRecordSetCount", zone.recordSets().size());
        return xml.append("</HostedZone>").toString();
    }

    private static String delegationSet() {
        return "<DelegationSet><NameServers><NameServer>ns-1.awsdns-01.org</NameServer><NameServer>ns-2.awsdns-02.co.uk</NameServer>"
                + "<NameServer>ns-3.awsdns-03.com</NameServer><NameServer>ns-4.awsdns-04.net</NameServer></NameServers></DelegationSet>";
    }

    private static String recordSet(StoredRecordSet set) {
        StringBuilder xml = new StringBuilder("<ResourceRecordSet>");
        Xml.element(xml, "Name", set.name());
        Xml.element(xml, "Type", set.type());
        if (set.setIdentifier() != null) {
            Xml.element(xml, "SetIdentifier", set.setIdentifier());
        }
        if (set.weight() != null) {
            Xml.element(xml, "Weight", set.weight());
        }
        if (set.multiValueAnswer()) {
            Xml.element(xml, "MultiValueAnswer", true);
        }
        Xml.element(xml, "TTL", set.ttl());
        xml.append("<ResourceRecords>");
        for (String value : set.values()) {
            xml.append("<ResourceRecord>");
            Xml.element(xml, "Value", value);
            xml.append("</ResourceRecord>");
        }
        return xml.append("</ResourceRecords></ResourceRecordSet>").toString();
    }

    private static String errorResponse(Route53Error error, String requestId) {
        StringBuilder xml = new StringBuilder("<Error>");
        Xml.element(xml, "Type", error.status >= 500 ? "Receiver" : "Sender");
        Xml.element(xml, "Code", error.code);
        // Route 53 lists a change batch's problems in brackets, even a single one
        Xml.element(
                xml,
                "Message",
                error.code.equals("InvalidChangeBatch") ? error.messages.toString() : error.messages.get(0));
        xml.append("</Error>");
        Xml.element(xml, "RequestId", requestId);
        return Xml.document("ErrorResponse", xml.toString());
    }

    private static int maxItems(Map<String, String> query) {
        String text = query.get("maxitems");
        if (text == null) {
            return MAX_ITEMS;
        }
        long value = number(text, "maxitems");
        if (value < 1) {
            throw Route53Error.invalidInput("The input is not valid: maxitems must be at least 1");
        }
        return (int) Math.min(value, MAX_ITEMS);
    }

    private static long number(String text, String what) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw Route53Error.invalidInput("Invalid XML ; " + what + " '" + text + "' is not a number");
        }
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.put(key.toLowerCase(Locale.ROOT), value);
        }
        return query;
    }
}
