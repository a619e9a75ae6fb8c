package io.steward.admin;

import java.util.Map;
import java.util.Optional;

/**
 * One request to the admin API, read completely (head and body) before any handler sees it.
 *
 * @param rawPath the path as sent, not decoded
 * @param rawQuery the query as sent, not decoded; empty when there is none
 * @param headers by lower-case name; the first value of each
 * @param remoteAddress who sent it, for the log
 */
record AdminRequest(
        String method,
        String rawPath,
        String rawQuery,
        Map<String, String> headers,
        byte[] body,
        String remoteAddress) {
    Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
    }
}
