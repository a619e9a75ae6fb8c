package io.steward.aws;

import io.steward.config.Route53Config;
import io.steward.engine.support.Pause;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.route53.Route53Client;
import software.amazon.awssdk.services.route53.Route53ClientBuilder;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeInfo;
import software.amazon.awssdk.services.route53.model.ChangeStatus;
import software.amazon.awssdk.services.route53.model.HostedZone;
import software.amazon.awssdk.services.route53.model.ListResourceRecordSetsRequest;
import software.amazon.awssdk.services.route53.model.ListResourceRecordSetsResponse;
import software.amazon.awssdk.services.route53.model.PriorRequestNotCompleteException;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * Points the cluster's DNS names at its members: the primary record at the current primary, one record per member,
 * and a reader record set with one entry per healthy replica.
 *
 * <p>Each publish reads what is there first and makes no change call when it is already right; otherwise it sends
 * one change batch and waits until Route 53 reports it {@code INSYNC}. Records that only the primary may write are
 * guarded by a {@link LeaseCheck}, asked again right before every attempt at the change call. Throttling and
 * {@code PriorRequestNotComplete} are retried with jittered exponential back-off, a bounded number of times.
 */
public final class Route53Publisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Route53Publisher.class);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(20);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final int PAGE_SIZE = 100;

    private final Route53Config config;
    private final Route53Client client;
    private final BackoffStrategy backoff;
    /** The zone's id, once known: given, or looked up by the zone's name on first use. */
    private volatile String hostedZoneId;

    /** Credentials from the default provider chain: the instance role on EC2. */
    public Route53Publisher(Route53Config config) {
        this(config, Optional.empty());
    }

    /** With explicit credentials, e.g. static keys from configuration or a test's fake ones. */
    public Route53Publisher(Route53Config config, AwsCredentialsProvider credentials) {
        this(config, Optional.of(credentials));
    }

    private Route53Publisher(Route53Config config, Optional<AwsCredentialsProvider> credentials) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("aws.route53 is not enabled");
        }
        this.config = config;
        this.client = newClient(config, credentials);
        this.backoff = BackoffStrategy.exponentialDelay(config.retryBaseDelay(), MAX_RETRY_DELAY);
        this.hostedZoneId = config.hostedZoneName().isPresent() ? null : config.hostedZoneId();
    }

    private static Route53Client newClient(Route53Config config, Optional<AwsCredentialsProvider> credentials) {
        Route53ClientBuilder builder = Route53Client.builder()
                // Route 53 is global; its requests are signed for us-east-1
                .region(Region.US_EAST_1)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(CALL_TIMEOUT))
                // Retries happen in this class, so that the lease is checked again before every attempt at a change.
                .overrideConfiguration(
                        o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()).apiCallTimeout(CALL_TIMEOUT));
        credentials.ifPresent(builder::credentialsProvider);
        config.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /**
     * Makes {@code recordName} point at the primary, as long as this node holds the lease it holds when called.
     *
     * @return {@code DEPOSED} without any change when the lease check says the epoch has moved on (or no lease is held)
     * @throws Route53PublishException when Route 53 refuses, keeps throttling, or does not get INSYNC in time
     */
    public PublishResult publishPrimary(String recordName, Target target, LeaseCheck check) {
        return publish(recordName, List.of(RecordPlan.single(recordName, target, config.ttl())), Optional.of(check));
    }

    /**
     * Makes the reader record set exactly one entry per listed replica (set identifier = member name), removing the
     * entries of members no longer listed, in one batch. An empty list removes every entry. Only the primary writes
     * it, so it is guarded by the lease like the primary record.
     */
    public PublishResult publishReaders(String recordName, List<Target> healthyReplicas, LeaseCheck check) {
        return publish(
                recordName,
                RecordPlan.readers(recordName, healthyReplicas, config.readerRouting(), config.ttl()),
                Optional.of(check));
    }

    /** A member's own record, e.g. {@code db01.db.example.net}; each member writes its own, so no lease is needed. */
    public PublishResult publishMemberRecord(String recordName, Target target) {
        return publish(recordName, List.of(RecordPlan.single(recordName, target, config.ttl())), Optional.empty());
    }

    /** Removes a member's own record on a graceful stop; nothing to do when it is not there. */
    public PublishResult removeMemberRecord(String recordName) {
        return publish(recordName, List.of(), Optional.empty());
    }

    /**
     * Makes this member's own entry in a weighted record set shared with the other members point at {@code target}
     * with {@code weight}, or removes the entry when {@code target} is empty. Only the entry under
     * {@code setIdentifier} is read and changed, so members never touch each other's entries and need no lease.
     */
    public PublishResult publishWeightedEntry(
            String recordName, String setIdentifier, Optional<Target> target, long weight) {
        List<ResourceRecordSet> wanted = target.map(
                        t -> List.of(RecordPlan.weightedEntry(recordName, t, setIdentifier, weight, config.ttl())))
                .orElse(List.of());
        return publish(recordName, wanted, Optional.empty(), set -> setIdentifier.equals(set.setIdentifier()));
    }

    /**
     * The set identifiers of entries in a weighted record set that point at none of {@code liveValues} (other than
     * {@code ownIdentifier}'s own entry).
     */
    public Set<String> orphanedWeightedEntries(String recordName, String ownIdentifier, Set<String> liveValues) {
        return RecordPlan.orphanedEntries(recordSetsNamed(recordName), ownIdentifier, liveValues);
    }

    /** Removes other members' entries from a weighted record set, exactly as they are listed now. */
    public PublishResult removeWeightedEntries(String recordName, Set<String> setIdentifiers) {
        return publish(recordName, List.of(), Optional.empty(), set -> setIdentifiers.contains(set.setIdentifier()));
    }

    @Override
    public void close() {
        client.close();
    }

    private PublishResult publish(String recordName, List<ResourceRecordSet> wanted, Optional<LeaseCheck> check) {
        return publish(recordName, wanted, check, set -> true);
    }

    /** @param ours which of the record sets under the name this call manages; the others are left as they are */
    private PublishResult publish(
            String recordName,
            List<ResourceRecordSet> wanted,
            Optional<LeaseCheck> check,
            Predicate<ResourceRecordSet> ours) {
        OptionalLong epoch = OptionalLong.empty();
        if (check.isPresent()) {
            epoch = check.get().heldEpoch();
            if (epoch.isEmpty()) {
                log.warn("not changing {}: this node holds no lease", recordName);
                return PublishResult.deposed(recordName, epoch);
            }
        }
        List<Change> changes = RecordPlan.changes(
                wanted, recordSetsNamed(recordName).stream().filter(ours).toList());
        if (changes.isEmpty()) {
            log.debug("{} is already right [{}]", recordName, describe(check, epoch));
            return PublishResult.alreadyCurrent(recordName, epoch);
        }
        OptionalLong expected = epoch;
        ChangeInfo info;
        try {
            info = call("ChangeResourceRecordSets", () -> {
                check.ifPresent(c -> requireEpoch(c, expected.getAsLong()));
                return client.changeResourceRecordSets(r -> r.hostedZoneId(hostedZoneId())
                                .changeBatch(b -> b.comment("steward " + describe(check, expected))
                                        .changes(changes)))
                        .changeInfo();
            });
        } catch (LeaseLost e) {
            log.warn("not changing {}: {}", recordName, e.getMessage());
            return PublishResult.deposed(recordName, epoch);
        }
        for (Change change : changes) {
            ResourceRecordSet set = change.resourceRecordSet();
            log.info(
                    "Route 53 {} {} {} {}{} ttl {}s [{}] (change {})",
                    change.action(),
                    set.name(),
                    set.type(),
                    RecordPlan.values(set),
                    set.setIdentifier() == null ? "" : " as " + set.setIdentifier(),
                    set.ttl(),
                    describe(check, epoch),
                    info.id());
        }
        awaitInsync(recordName, info.id());
        return PublishResult.changed(recordName, epoch, info.id());
    }

    private String hostedZoneId() {
        String known = hostedZoneId;
        if (known == null) {
            known = lookUpHostedZone(config.hostedZoneName().orElseThrow());
            hostedZoneId = known;
        }
        return known;
    }

    /**
     * The id of the one hosted zone with this name. A public and a private zone may share a name; guessing between
     * them could publish the primary where clients never look, so that is refused.
     */
    private String lookUpHostedZone(String zoneName) {
        String wanted = RecordPlan.absolute(zoneName);
        // listed in name order from the name asked for: a zone of that name is among the first answers if it exists
        List<HostedZone> named = call(
                        "ListHostedZonesByName",
                        () -> client.listHostedZonesByName(
                                r -> r.dnsName(wanted).maxItems(String.valueOf(PAGE_SIZE))))
                .hostedZones()
                .stream()
                .filter(zone -> RecordPlan.absolute(zone.name()).equals(wanted))
                .toList();
        if (named.isEmpty()) {
            throw new Route53PublishException("no hosted zone named " + zoneName + " is visible to this node's "
                    + "credentials (aws.route53.hosted_zone_name); create it, or set aws.route53.hosted_zone_id");
        }
        if (named.size() > 1) {
            throw new Route53PublishException(named.size() + " hosted zones are named " + zoneName + " ("
                    + String.join(
                            ", ",
                            named.stream()
                                    .map(zone -> bareId(zone)
                                            + (zone.config() != null
                                                            && Boolean.TRUE.equals(zone.config()
                                                                    .privateZone())
                                                    ? " private"
                                                    : " public"))
                                    .toList())
                    + "); set aws.route53.hosted_zone_id to the one that holds the cluster's records");
        }
        String id = bareId(named.get(0));
        log.info("hosted zone {} is {}", zoneName, id);
        return id;
    }

    private static String bareId(HostedZone zone) {
        return zone.id().startsWith("/hostedzone/") ? zone.id().substring("/hostedzone/".length()) : zone.id();
    }

    private static void requireEpoch(LeaseCheck check, long expected) {
        OptionalLong now = check.heldEpoch();
        if (now.isEmpty() || now.getAsLong() != expected) {
            String number = check.numberName();
            throw new LeaseLost(number + " " + expected + " is no longer this node's ("
                    + (now.isEmpty() ? "none proven now" : "now " + number + " " + now.getAsLong()) + ")");
        }
    }

    /** Every record set under the name, of any type, exactly as Route 53 lists it. */
    private List<ResourceRecordSet> recordSetsNamed(String recordName) {
        String name = RecordPlan.absolute(recordName);
        List<ResourceRecordSet> found = new ArrayList<>();
        ListResourceRecordSetsRequest request = ListResourceRecordSetsRequest.builder()
                .hostedZoneId(hostedZoneId())
                .startRecordName(name)
                .maxItems(String.valueOf(PAGE_SIZE))
                .build();
        while (true) {
            ListResourceRecordSetsRequest page = request;
            ListResourceRecordSetsResponse response =
                    call("ListResourceRecordSets", () -> client.listResourceRecordSets(page));
            for (ResourceRecordSet set : response.resourceRecordSets()) {
                if (!RecordPlan.absolute(set.name()).equals(name)) {
                    return found; // listed in name order: the rest is under other names
                }
                found.add(set);
            }
            if (!Boolean.TRUE.equals(response.isTruncated())) {
                return found;
            }
            request = request.toBuilder()
                    .startRecordName(response.nextRecordName())
                    .startRecordType(response.nextRecordTypeAsString())
                    .startRecordIdentifier(response.nextRecordIdentifier())
                    .build();
        }
    }

    private void awaitInsync(String recordName, String changeId) {
        long deadline = System.nanoTime() + config.insyncTimeout().toNanos();
        long started = System.nanoTime();
        while (true) {
            ChangeStatus status = call(
                    "GetChange",
                    () -> client.getChange(r -> r.id(changeId)).changeInfo().status());
            if (status == ChangeStatus.INSYNC) {
                log.info(
                        "change {} to {} is INSYNC after {} ms",
                        changeId,
                        recordName,
                        (System.nanoTime() - started) / 1_000_000);
                return;
            }
            if (System.nanoTime() + config.insyncPollInterval().toNanos() > deadline) {
                throw new Route53PublishException("change " + changeId + " to " + recordName + " is still " + status
                        + " after " + config.insyncTimeout().toSeconds() + "s; Route 53 has accepted it, but its name "
                        + "servers may still answer the old value");
            }
            sleep(config.insyncPollInterval());
        }
    }

    /** One Route 53 call, tried again while Route 53 throttles or is busy, up to {@code max_attempts} times. */
    private <T> T call(String operation, Supplier<T> attempt) {
        for (int number = 1; ; number++) {
            try {
                return attempt.get();
            } catch (SdkException e) {
                String reason = reason(e);
                if (!retryable(e)) {
                    throw new Route53PublishException("Route 53 " + operation + " failed: " + reason, e);
                }
                if (number >= config.maxAttempts()) {
                    throw new Route53PublishException(
                            "Route 53 " + operation + " still failing after " + number + " attempts: " + reason, e);
                }
                Duration delay = backoff.computeDelay(number);
                log.info(
                        "Route 53 {} attempt {} of {}: {}; trying again in {} ms",
                        operation,
                        number,
                        config.maxAttempts(),
                        reason,
                        delay.toMillis());
                sleep(delay);
            }
        }
    }

    private static boolean retryable(SdkException e) {
        if (e instanceof AwsServiceException service) {
            return service instanceof PriorRequestNotCompleteException
                    || service.isThrottlingException()
                    || service.statusCode() >= 500;
        }
        return e instanceof SdkClientException; // the request did not get through (connection refused, timeout)
    }

    private static String reason(SdkException e) {
        if (e instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            return service.awsErrorDetails().errorCode() + ": "
                    + service.awsErrorDetails().errorMessage();
        }
        return e.getMessage();
    }

    private static String describe(Optional<LeaseCheck> check, OptionalLong epoch) {
        return epoch.isPresent()
                ? check.map(LeaseCheck::numberName).orElse("epoch") + " " + epoch.getAsLong()
                : "no lease needed";
    }

    private static void sleep(Duration delay) {
        Pause.of(delay, e -> new Route53PublishException("interrupted while waiting for Route 53", e));
    }

    /** The lease moved on between the read and a change attempt. */
    private static final class LeaseLost extends RuntimeException {
        LeaseLost(String message) {
            super(message, null, false, false);
        }
    }
}
