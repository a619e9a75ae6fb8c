package io.steward.postgres;

import io.steward.engine.ClientConnections.Target;
import io.steward.engine.Endpoint;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A libpq keyword/value connection string ({@code psql "host=... port=..."}): every server in libpq's host list, which
 * tries them in turn until one is what {@code target_session_attrs} asks for, so that the string still reaches the
 * primary after a change of primary.
 */
final class LibpqConnectionString {
    private LibpqConnectionString() {}

    static String of(List<Endpoint> servers, Target target) {
        String hosts = servers.stream().map(Endpoint::host).collect(Collectors.joining(","));
        String ports = servers.stream().map(s -> Integer.toString(s.port())).collect(Collectors.joining(","));
        String attributes = switch (target) {
            case PRIMARY -> " target_session_attrs=read-write";
            // PostgreSQL 14's libpq and later; a replica's host is listed first, the primary only as a last
            // resort (prefer-standby), so that reads still go somewhere while no replica runs
            case REPLICA -> " target_session_attrs=prefer-standby";
            case ANY -> "";
        };
        return "host=" + hosts + " port=" + ports + " dbname=postgres" + attributes;
    }
}
