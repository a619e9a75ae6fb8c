package io.steward.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the cluster's DNS records live in Route 53 and how they are written (YAML section {@code aws.route53}).
 *
 * @param enabled whether this agent publishes records at all; when false the other values are defaults
 * @param hostedZoneId the hosted zone that holds the records, e.g. {@code Z0123456789ABCDEFGHIJ}; empty when it is
 *        named by {@code hostedZoneName} instead
 * @param hostedZoneName the hosted zone by its domain name, e.g. {@code example.net} (the book's user data names it so);
 *        its id is looked up in Route 53 before the first change
 * @param primaryRecord the name that always points at the current primary, e.g. {@code db.example.net}
 * @param readerRecord the name that spreads reads over the healthy replicas, one entry per replica
 * @param memberRecordSuffix when set, each member also gets {@code <member name>.<suffix>}
 * @param type CNAME to the member's host name, or A to its IPv4 address
 * @param readerRouting how the reader entries share the name
 * @param ttl the records' time to live; clients may keep using an old primary this long after a change
 * @param endpoint where Route 53 answers; only tests and unusual networks set it
 * @param insyncTimeout how long to wait for a change to reach every Route 53 name server
 * @param insyncPollInterval how often to ask whether a change is in sync
 * @param maxAttempts how often one call is tried when Route 53 throttles or is still busy with a prior request
 * @param retryBaseDelay the first back-off delay; it doubles per attempt, with full jitter, up to 20 s
 * @param weightedRecord when set, every healthy member keeps its own entry in this weighted record set (the book's
 *        round robin over a search cluster; set identifier = the node's instance id); empty: "" for the primary record
 * @param weight the weight of each member's entry in the weighted record
 */
public record Route53Config(
        boolean enabled,
        String hostedZoneId,
        Optional<String> hostedZoneName,
        String primaryRecord,
        Optional<String> readerRecord,
        Optional<String> memberRecordSuffix,
        RecordType type,
        ReaderRouting readerRouting,
        Duration ttl,
        Optional<URI> endpoint,
        Duration insyncTimeout,
        Duration insyncPollInterval,
        int maxAttempts,
        Duration retryBaseDelay,
        Optional<String> weightedRecord,
        long weight) {

    public static final Duration DEFAULT_TTL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_INSYNC_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_INSYNC_POLL_INTERVAL = Duration.ofSeconds(2);
    public static final int DEFAULT_MAX_ATTEMPTS = 8;
    public static final Duration DEFAULT_RETRY_BASE_DELAY = Duration.ofMillis(300);
    /** The book's weight for every node of a weighted round robin. */
    public static final long DEFAULT_WEIGHT = 100;

    /** No Route 53 section, or {@code enabled: false}. */
    public static final Route53Config DISABLED = new Route53Config(
            false,
            "",
            Optional.empty(),
            "",
            Optional.empty(),
            Optional.empty(),
            RecordType.CNAME,
            ReaderRouting.WEIGHTED,
            DEFAULT_TTL,
            Optional.empty(),
            DEFAULT_INSYNC_TIMEOUT,
            DEFAULT_INSYNC_POLL_INTERVAL,
            DEFAULT_MAX_ATTEMPTS,
            DEFAULT_RETRY_BASE_DELAY,
            Optional.empty(),
            DEFAULT_WEIGHT);

    /** The name of a member's own record, when members get one. */
    public Optional<String> memberRecord(String memberName) {
        return memberRecordSuffix.map(suffix -> memberName + "." + suffix);
    }

    public enum RecordType {
        /** An alias name: the record names the member's host name. */
        CNAME,
        /** An address record: the record holds the member's IPv4 address. */
        A
    }

    public enum ReaderRouting {
        /** Equal weights: each resolver gets one replica, spread evenly. Works for CNAME and A. */
        WEIGHTED,
        /** Up to eight replicas per answer; A records only (Route 53 allows no multivalue CNAME). */
        MULTIVALUE
    }
}
