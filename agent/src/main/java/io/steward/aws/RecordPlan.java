package io.steward.aws;

import io.steward.config.Route53Config.ReaderRouting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.services.route53.model.Change;
import software.amazon.awssdk.services.route53.model.ChangeAction;
import software.amazon.awssdk.services.route53.model.RRType;
import software.amazon.awssdk.services.route53.model.ResourceRecord;
import software.amazon.awssdk.services.route53.model.ResourceRecordSet;

/**
 * Which record sets should exist under one name, and the changes that take Route 53 from what is there to that.
 * Pure, without I/O, so that every case is unit-tested without Route 53.
 */
public final class RecordPlan {
    /** Reader entries share the traffic equally. */
    static final long READER_WEIGHT = 1;
    /** The types Steward writes; other record sets under the same name (TXT, MX, ...) are not its business. */
    private static final Set<RRType> MANAGED_TYPES = Set.of(RRType.A, RRType.CNAME);

    private enum Routing {
        SIMPLE,
        WEIGHTED,
        MULTIVALUE,
        OTHER
    }

    private RecordPlan() {}

    /** One plain record set: the primary's name, or a member's own name. */
    public static ResourceRecordSet single(String name, Target target, Duration ttl) {
        return base(name, target, ttl).build();
    }

    /** A member's own entry in a weighted record set shared with the other members. */
    public static ResourceRecordSet weightedEntry(
            String name, Target target, String setIdentifier, long weight, Duration ttl) {
        return base(name, target, ttl)
                .setIdentifier(setIdentifier)
                .weight(weight)
                .build();
    }

    /**
     * The set identifiers of weighted entries under one name that point at no live member: left behind by members
     * whose agent died with their node. Entries of another routing, and {@code ownIdentifier}'s, are never orphans.
     *
     * @param liveValues what the records of the live members hold (host names or addresses)
     */
    public static Set<String> orphanedEntries(
            List<ResourceRecordSet> existing, String ownIdentifier, Set<String> liveValues) {
        Set<String> live = new HashSet<>();
        liveValues.forEach(value -> live.add(comparable(value)));
        Set<String> orphans = new TreeSet<>();
        for (ResourceRecordSet set : existing) {
            if (set.weight() != null
                    && set.setIdentifier() != null
                    && !set.setIdentifier().equals(ownIdentifier)
                    && MANAGED_TYPES.contains(set.type())
                    && set.resourceRecords().stream().noneMatch(record -> live.contains(comparable(record.value())))) {
                orphans.add(set.setIdentifier());
            }
        }
        return orphans;
    }

    /**
     * One entry per target, told apart by the member's name as set identifier.
     *
     * @throws IllegalArgumentException when a member is listed twice, or targets mix CNAME and A
     */
    public static List<ResourceRecordSet> readers(
            String name, List<Target> targets, ReaderRouting routing, Duration ttl) {
        Set<String> members = new HashSet<>();
        for (Target target : targets) {
            if (!members.add(target.member())) {
                throw new IllegalArgumentException("member " + target.member() + " is listed twice for " + name);
            }
            if (target.type() != targets.get(0).type()) {
                throw new IllegalArgumentException(
                        "the readers of " + name + " mix CNAME and A targets; one name holds one type");
            }
        }
        List<ResourceRecordSet> sets = new ArrayList<>();
        for (Target target : targets) {
            ResourceRecordSet.Builder set = base(name, target, ttl).setIdentifier(target.member());
            sets.add(
                    routing == ReaderRouting.WEIGHTED
                            ? set.weight(READER_WEIGHT).build()
                            : set.multiValueAnswer(true).build());
        }
        return sets;
    }

    /**
     * The change batch that makes the record sets under one name exactly {@code wanted}, as far as Steward's types
     * (A, CNAME) go: deletions of what should not be there first, then upserts of what is missing or different.
     * Empty when everything is already as wanted.
     *
     * @param wanted the record sets that should exist, all under one name
     * @param existing what Route 53 holds under that name now, exactly as listed (a deletion must repeat it exactly)
     */
    public static List<Change> changes(List<ResourceRecordSet> wanted, List<ResourceRecordSet> existing) {
        List<Change> changes = new ArrayList<>();
        for (ResourceRecordSet set : existing) {
            if (MANAGED_TYPES.contains(set.type()) && wanted.stream().noneMatch(w -> sameSlot(w, set))) {
                changes.add(Change.builder()
                        .action(ChangeAction.DELETE)
                        .resourceRecordSet(set)
                        .build());
            }
        }
        for (ResourceRecordSet set : wanted) {
            if (existing.stream().noneMatch(e -> equivalent(set, e))) {
                changes.add(Change.builder()
                        .action(ChangeAction.UPSERT)
                        .resourceRecordSet(set)
                        .build());
            }
        }
        return changes;
    }

    /** Route 53 lists names in lower case with a final dot. */
    public static String absolute(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower : lower + ".";
    }

    /** The values as one line for logs: {@code 10.0.0.5} or {@code db01.example.net, db02.example.net}. */
    static String values(ResourceRecordSet set) {
        return String.join(
                ", ", set.resourceRecords().stream().map(ResourceRecord::value).toList());
    }

    private static ResourceRecordSet.Builder base(String name, Target target, Duration ttl) {
        return ResourceRecordSet.builder()
                .name(absolute(name))
                .type(RRType.fromValue(target.type().name()))
                .ttl(ttl.toSeconds())
                .resourceRecords(ResourceRecord.builder().value(target.value()).build());
    }

    /** Whether an UPSERT of {@code wanted} would replace {@code existing} rather than add beside it. */
    private static boolean sameSlot(ResourceRecordSet wanted, ResourceRecordSet existing) {
        return absolute(wanted.name()).equals(absolute(existing.name()))
                && wanted.type() == existing.type()
                && Objects.equals(wanted.setIdentifier(), existing.setIdentifier())
                && routing(wanted) == routing(existing);
    }

    private static boolean equivalent(ResourceRecordSet wanted, ResourceRecordSet existing) {
        return sameSlot(wanted, existing)
                && Objects.equals(wanted.ttl(), existing.ttl())
                && Objects.equals(wanted.weight(), existing.weight())
                && existing.aliasTarget() == null
                && existing.healthCheckId() == null
                && comparableValues(wanted).equals(comparableValues(existing));
    }

    private static Routing routing(ResourceRecordSet set) {
        if (set.weight() != null) {
            return Routing.WEIGHTED;
        }
        if (Boolean.TRUE.equals(set.multiValueAnswer())) {
            return Routing.MULTIVALUE;
        }
        return set.setIdentifier() == null ? Routing.SIMPLE : Routing.OTHER;
    }

    /** A host name without case and final dot, as DNS compares them; an address as it is. */
    private static String comparable(String value) {
        String lower = value.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** Order does not matter in a record set; host names compare without case and final dot, as DNS does. */
    private static Set<String> comparableValues(ResourceRecordSet set) {
        Set<String> values = new TreeSet<>();
        for (ResourceRecord record : set.resourceRecords()) {
            String value = record.value();
            if (set.type() == RRType.CNAME) {
                value = value.toLowerCase(Locale.ROOT);
                value = value.endsWith(".") ? value.substring(0, value.length() - 1) : value;
            }
            values.add(value);
        }
        return values;
    }
}
