package io.steward.it.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** One hosted zone of the test server: its record sets and Route 53's rules for changing them. */
final class HostedZone {
    private static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

    final String id;
    final String name;
    final String callerReference;
    private TreeSet<StoredRecordSet> recordSets = new TreeSet<>(StoredRecordSet.LISTING_ORDER);

    enum Action {
        CREATE,
        DELETE,
        UPSERT
    }

    record RequestedChange(Action action, StoredRecordSet recordSet) {}

    HostedZone(String id, String name, String callerReference, List<String> nameServers) {
        this.id = id;
        this.name = canonicalName(name);
        this.callerReference = callerReference;
        // every new zone has its SOA and NS records at the apex, as in Route 53
        recordSets.add(new StoredRecordSet(
                this.name,
                "NS",
                null,
                null,
                false,
                172800,
                nameServers.stream().map(ns -> ns + ".").toList()));
        recordSets.add(new StoredRecordSet(
                this.name,
                "SOA",
                null,
                null,
                false,
                900,
                List.of(nameServers.get(0) + ". awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400")));
    }

    synchronized List<StoredRecordSet> recordSets() {
        return List.copyOf(recordSets);
    }

    /** The record sets from the given start on, in listing order. */
    synchronized List<StoredRecordSet> listFrom(String startName, String startType, String startIdentifier) {
        StoredRecordSet start = new StoredRecordSet(
                startName, startType == null ? "" : startType, startIdentifier, null, false, 0, List.of());
        return List.copyOf(recordSets.tailSet(start, true));
    }

    /** Applies a change batch all or nothing: any problem rejects the whole batch with every problem found. */
    synchronized void apply(List<RequestedChange> changes) {
        TreeSet<StoredRecordSet> working = new TreeSet<>(recordSets);
        List<String> problems = new ArrayList<>();
        for (RequestedChange change : changes) {
            String problem = applyOne(working, change);
            if (problem != null) {
                problems.add(problem);
            }
        }
        if (!problems.isEmpty()) {
            throw Route53Error.invalidChangeBatch(problems);
        }
        recordSets = working;
    }

    /** @return what is wrong with the change, or null when it was applied to {@code working} */
    private String applyOne(TreeSet<StoredRecordSet> working, RequestedChange change) {
        StoredRecordSet set = change.recordSet();
        if (!set.name().equals(name) && !set.name().endsWith("." + name)) {
            return "RRSet with DNS name " + set.name() + " is not permitted in zone " + name;
        }
        StoredRecordSet current =
                working.stream().filter(set::sameSlot).findFirst().orElse(null);
        switch (change.action()) {
            case DELETE -> {
                if (current == null) {
                    return "Tried to delete resource record set " + set.describe() + " but it was not found";
                }
                if (!current.matchesExactly(set)) {
                    return "Tried to delete resource record set " + set.describe()
                            + " but the values provided do not match the current values";
                }
                if (set.name().equals(name)
                        && (set.type().equals("SOA") || set.type().equals("NS"))) {
                    return "A HostedZone must contain exactly one SOA record and at least one NS record for the zone itself";
                }
                working.remove(current);
                return null;
            }
            case CREATE -> {
                if (current != null) {
                    return "Tried to create resource record set " + set.describe() + " but it already exists";
                }
            }
            case UPSERT -> {
                // replaces whatever is in the slot
            }
        }
        String problem = valueProblem(set);
        if (problem == null) {
            problem = conflict(working, set);
        }
        if (problem != null) {
            return problem;
        }
        if (current != null) {
            working.remove(current);
        }
        working.add(set);
        return null;
    }

    private String valueProblem(StoredRecordSet set) {
        switch (set.type()) {
            case "A" -> {
                for (String value : set.values()) {
                    if (!IPV4.matcher(value).matches()) {
                        return "ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '"
                                + value + "'";
                    }
                }
            }
            case "CNAME" -> {
                if (set.values().size() != 1) {
                    return "RRSet of type CNAME with DNS name " + set.name() + " has more than one resource record";
                }
                if (set.name().equals(name)) {
                    return "RRSet of type CNAME with DNS name " + set.name() + " is not permitted at apex in zone "
                            + name;
                }
            }
            case "TXT" -> {
                for (String value : set.values()) {
                    if (!(value.startsWith("\"") && value.endsWith("\"") && value.length() >= 2)) {
                        return "Invalid Resource Record: FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '"
                                + value + "'";
                    }
                }
            }
            default -> {
                // other types are stored as given
            }
        }
        return null;
    }

    /** Route 53's rules for record sets that share a name: a CNAME stands alone, and one routing policy per name and type. */
    private static String conflict(TreeSet<StoredRecordSet> working, StoredRecordSet set) {
        for (StoredRecordSet other : working) {
            if (!other.name().equals(set.name()) || other.sameSlot(set)) {
                continue;
            }
            if (set.type().equals("CNAME") && !other.type().equals("CNAME")) {
                return "RRSet of type CNAME with DNS name " + set.name()
                        + " is not permitted as it conflicts with other records with the same DNS name in zone";
            }
            if (!set.type().equals("CNAME") && other.type().equals("CNAME")) {
                return "RRSet of type " + set.type() + " with DNS name " + set.name()
                        + " is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone";
            }
            if (other.type().equals(set.type())) {
                if (set.setIdentifier() == null) {
                    return "RRSet with DNS name " + set.name() + ", type " + set.type()
                            + " cannot be created as other RRSets exist with the same name and type.";
                }
                if (other.setIdentifier() == null) {
                    return "RRSet with DNS name " + set.name() + ", type " + set.type() + ", SetIdentifier "
                            + set.setIdentifier()
                            + " cannot be created as a non-weighted set exists with the same name and type.";
                }
                if (!other.routing().equals(set.routing())) {
                    return "RRSet with DNS name " + set.name() + ", type " + set.type() + ", SetIdentifier "
                            + set.setIdentifier() + " cannot be created because a " + other.routing()
                            + " RRSet exists with the same name and type.";
                }
            }
        }
        return null;
    }

    /** Lower case with a final dot; {@code *} as the octal escape Route 53 answers with. */
    static String canonicalName(String name) {
        String lower = name.trim().toLowerCase(Locale.ROOT).replace("*", "\\052");
        return lower.endsWith(".") ? lower : lower + ".";
    }
}
