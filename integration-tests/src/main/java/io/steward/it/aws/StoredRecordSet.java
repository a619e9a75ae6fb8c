package io.steward.it.aws;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One resource record set as the Route 53 test server holds it.
 *
 * @param name canonical: lower case, final dot, {@code *} as {@code \052}
 * @param setIdentifier null for a simple record set
 * @param weight null unless weighted
 * @param multiValueAnswer whether it is a multivalue answer entry
 */
public record StoredRecordSet(
        String name,
        String type,
        String setIdentifier,
        Long weight,
        boolean multiValueAnswer,
        long ttl,
        List<String> values) {

    /** Route 53's listing order: name with its labels reversed ({@code net.example.db.}), then type, then identifier. */
    static final Comparator<StoredRecordSet> LISTING_ORDER = Comparator.comparing(
                    (StoredRecordSet s) -> reversedLabels(s.name()))
            .thenComparing(StoredRecordSet::type)
            .thenComparing(StoredRecordSet::setIdentifier, Comparator.nullsFirst(Comparator.naturalOrder()));

    public StoredRecordSet {
        values = List.copyOf(values);
    }

    /** Same name, type and identifier: the same slot in the zone. */
    boolean sameSlot(StoredRecordSet other) {
        return name.equals(other.name) && type.equals(other.type) && Objects.equals(setIdentifier, other.setIdentifier);
    }

    /** What a DELETE must repeat: everything, values in any order. */
    boolean matchesExactly(StoredRecordSet other) {
        return sameSlot(other)
                && ttl == other.ttl
                && Objects.equals(weight, other.weight)
                && multiValueAnswer == other.multiValueAnswer
                && Set.copyOf(values).equals(Set.copyOf(other.values));
    }

    String routing() {
        if (weight != null) {
            return "weighted";
        }
        return multiValueAnswer ? "multivalue" : "simple";
    }

    /** As Route 53 names a record set in its messages. */
    String describe() {
        return "[name='" + name + "', type='" + type + "'"
                + (setIdentifier == null ? "" : ", set-identifier='" + setIdentifier + "'") + "]";
    }

    static String reversedLabels(String name) {
        String[] labels = name.substring(0, name.length() - 1).split("\\.");
        StringBuilder reversed = new StringBuilder();
        for (int i = labels.length - 1; i >= 0; i--) {
            reversed.append(labels[i]).append('.');
        }
        return reversed.toString();
    }
}
