package io.steward.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.steward.engine.UserDataKeys;
import io.steward.engine.UserDataTarget;
import java.util.List;
import java.util.Optional;

/** The book's pgRDS user data: {@code slow}, the slow-query threshold, read as {@code log_min_duration_statement}. */
final class PostgresUserData implements UserDataKeys {
    private static final String SLOW = "slow";
    /** PostgreSQL keeps log_min_duration_statement in a signed 32-bit integer of milliseconds. */
    private static final long MAX_SLOW_MS = Integer.MAX_VALUE;

    @Override
    public List<String> keys() {
        return List.of(SLOW);
    }

    @Override
    public void translate(ObjectNode userData, Optional<String> engine, UserDataTarget target) {
        JsonNode value = userData.get(SLOW);
        if (value == null) {
            return;
        }
        String text = value.asText().trim();
        long millis;
        try {
            millis = value.isValueNode() ? Long.parseLong(text) : -1;
        } catch (NumberFormatException e) {
            millis = -1;
        }
        if (millis < 0 || millis > MAX_SLOW_MS) {
            target.problem(
                    SLOW,
                    value.isValueNode() ? text : value.toString(),
                    "a slow-query threshold in whole milliseconds from 0 to " + MAX_SLOW_MS + ", e.g. \"500\"");
            return;
        }
        target.put(
                PostgresPlugin.NAME + ".parameters.log_min_duration_statement",
                TextNode.valueOf(Long.toString(millis)),
                SLOW);
    }
}
