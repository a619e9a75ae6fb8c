package io.steward.engine;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of one dump in the archive: {@code <UTC time to the millisecond>-<member>.<format>}, e.g.
 * {@code 20261122T101500.123Z-node1.rdb}. The time comes first so that names sort by age; the member says who
 * took it; the format is the engine's file type. The compression is not part of the name (it is in the object's
 * key and metadata), so a name stays valid whatever the archive's compression setting is.
 *
 * @param takenAt when the dump was taken, truncated to the millisecond
 * @param member the member that took it
 * @param format the file type, e.g. {@code rdb}
 */
public record DumpName(Instant takenAt, String member, String format) {
    public static final String FORM =
            "<UTC time as yyyyMMdd'T'HHmmss.SSS'Z'>-<member>.<format>, " + "e.g. 20261122T101500.123Z-node1.rdb";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** Member names follow node.name's rule; the format is the part after the last dot. */
    private static final Pattern NAME =
            Pattern.compile("(\\d{8}T\\d{6}\\.\\d{3}Z)-([A-Za-z0-9._-]{1,63})\\.([a-z0-9]{1,10})");

    private static final Pattern MEMBER = Pattern.compile("[A-Za-z0-9._-]{1,63}");
    private static final Pattern FORMAT = Pattern.compile("[a-z0-9]{1,10}");

    public DumpName {
        takenAt = takenAt.truncatedTo(ChronoUnit.MILLIS);
        if (!MEMBER.matcher(member).matches()) {
            throw new IllegalArgumentException(
                    "member '" + member + "' must be 1 to 63 letters, digits, '.', '_' or '-'");
        }
        if (!FORMAT.matcher(format).matches()) {
            throw new IllegalArgumentException("format '" + format + "' must be 1 to 10 lower-case letters or digits");
        }
    }

    /**
     * Reads a name exactly as {@link #toString()} writes it.
     *
     * @throws IllegalArgumentException naming the text and the form it must have
     */
    public static DumpName parse(String text) {
        Matcher matcher = NAME.matcher(text);
        if (matcher.matches()) {
            try {
                return new DumpName(Instant.from(TIME.parse(matcher.group(1))), matcher.group(2), matcher.group(3));
            } catch (DateTimeParseException e) {
                // a well-formed but impossible time, e.g. month 13: reported below like any other bad name
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a dump name: " + FORM);
    }

    @Override
    public String toString() {
        return TIME.format(takenAt) + "-" + member + "." + format;
    }
}
