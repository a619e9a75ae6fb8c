package io.steward.aws;

import io.steward.config.Route53Config.RecordType;
import io.steward.coordination.MemberInfo;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a record points at: one member, by host name (CNAME) or by IPv4 address (A).
 *
 * @param member the member's name; it identifies the member's entry in the reader record set
 * @param type how the record points at it
 * @param value the host name (CNAME) or IPv4 address (A)
 */
public record Target(String member, RecordType type, String value) {
    private static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
    private static final Pattern HOSTNAME = Pattern.compile(
            "(?=.{1,253}\\.?$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\\.?");

    public Target {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (member.isBlank()) {
            throw new IllegalArgumentException("a target needs the member's name");
        }
        if (type == RecordType.A && !IPV4.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "an A record needs an IPv4 address, not '" + value + "' (member " + member + ")");
        }
        if (type == RecordType.CNAME
                && (!HOSTNAME.matcher(value).matches() || IPV4.matcher(value).matches())) {
            throw new IllegalArgumentException(
                    "a CNAME record needs a host name, not '" + value + "' (member " + member + ")");
        }
    }

    /**
     * What a record of the given type pointing at {@code member} holds: its DNS name for a CNAME, its database
     * address for an A record; empty when the member published nothing usable for that type.
     */
    public static Optional<Target> of(MemberInfo member, RecordType type) {
        Optional<String> value = switch (type) {
            case CNAME ->
                member.dnsName()
                        .filter(name -> HOSTNAME.matcher(name).matches()
                                && !IPV4.matcher(name).matches());
            case A ->
                Optional.of(member.database().host())
                        .filter(host -> IPV4.matcher(host).matches());
        };
        return value.map(v -> new Target(member.name(), type, v));
    }
}
