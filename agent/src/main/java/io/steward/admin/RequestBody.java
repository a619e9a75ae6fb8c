package io.steward.admin;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The JSON object a mutating request carries, read strictly: a value of the wrong type is an error rather than
 * coerced (Jackson's data binding would turn {@code "yes"} into true and {@code 5} into "5"), and a field the
 * endpoint does not know is an error rather than ignored, because a misspelt field would otherwise silently do
 * the default thing.
 */
final class RequestBody {
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final JsonNode object;

    private RequestBody(JsonNode object) {
        this.object = object;
    }

    /**
     * @param content the raw body; empty means {}
     * @param fields the fields the endpoint knows
     * @throws ApiError 400 naming the problem
     */
    static RequestBody parse(byte[] content, Set<String> fields) {
        JsonNode root;
        try {
            root = STRICT.readTree(content);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw ApiError.badRequest(
                    "malformed JSON" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                            + ": " + firstClause(e.getOriginalMessage()));
        } catch (IOException e) {
            throw ApiError.badRequest("unreadable body: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            root = STRICT.createObjectNode();
        }
        if (!root.isObject()) {
            throw ApiError.badRequest("the body must be a JSON object, was "
                    + root.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.contains(name)) {
                throw ApiError.badRequest("unknown field '" + name + "'; allowed: "
                        + (fields.isEmpty() ? "none" : String.join(", ", new TreeSet<>(fields))));
            }
        }
        return new RequestBody(root);
    }

    /** Jackson's messages go on to name its own classes and features, which mean nothing to an operator. */
    private static String firstClause(String message) {
        int end = message.indexOf(" (");
        return end < 0 ? message : message.substring(0, end);
    }

    /** A member name, or empty when the field is absent or null. */
    Optional<String> optionalName(String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual() || value.textValue().isBlank()) {
            throw ApiError.badRequest("field '" + field + "' must be a member name (non-empty text), was " + value);
        }
        return Optional.of(value.textValue().trim());
    }

    /** A non-empty list of names (indices, ...); required. */
    List<String> requiredNames(String field) {
        JsonNode value = object.get(field);
        List<String> names = new ArrayList<>();
        if (value != null && value.isArray()) {
            for (JsonNode item : value) {
                if (!item.isTextual() || item.textValue().isBlank()) {
                    names.clear();
                    break;
                }
                names.add(item.textValue().trim());
            }
        }
        if (names.isEmpty()) {
            throw ApiError.badRequest("field '" + field + "' is required: a non-empty list of names, was " + value);
        }
        return names;
    }

    String requiredName(String field) {
        return optionalName(field)
                .orElseThrow(() -> ApiError.badRequest("field '" + field + "' is required: the member name"));
    }

    /** A whole number from {@code min} to {@code max}; required. */
    long requiredLong(String field, long min, long max) {
        JsonNode value = object.get(field);
        if (value == null
                || !value.isIntegralNumber()
                || !value.canConvertToLong()
                || value.longValue() < min
                || value.longValue() > max) {
            throw ApiError.badRequest("field '" + field + "' is required: a whole number from " + min + " to " + max
                    + (value == null ? "" : ", was " + value));
        }
        return value.longValue();
    }

    /** True or false; {@code otherwise} when the field is absent or null. */
    boolean optionalBoolean(String field, boolean otherwise) {
        JsonNode value = object.get(field);
        return value == null || value.isNull() ? otherwise : requiredBoolean(field);
    }

    /**
     * A moment as ISO-8601 text with its offset ({@code 2026-05-04T10:30:00Z}, {@code 2026-05-04T12:30:00+02:00}), or
     * empty when the field is absent or null.
     */
    Optional<Instant> optionalTime(String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        try {
            if (value.isTextual()) {
                return Optional.of(
                        OffsetDateTime.parse(value.textValue().trim()).toInstant());
            }
        } catch (DateTimeParseException e) {
            // said below
        }
        throw ApiError.badRequest("field '" + field + "' must be an ISO-8601 time with its offset, such as "
                + "2026-05-04T10:30:00Z, was " + value);
    }

    boolean requiredBoolean(String field) {
        JsonNode value = object.get(field);
        if (value == null || !value.isBoolean()) {
            throw ApiError.badRequest("field '" + field + "' is required and must be true or false"
                    + (value == null ? "" : ", was " + value));
        }
        return value.booleanValue();
    }

    /**
     * Every field given, as settings: a text, number or boolean becomes its text; null means "remove". Objects and
     * lists are refused.
     */
    Map<String, Optional<String>> settings() {
        Map<String, Optional<String>> settings = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                settings.put(field.getKey(), Optional.empty());
            } else if (value.isValueNode()) {
                settings.put(field.getKey(), Optional.of(value.asText()));
            } else {
                throw ApiError.badRequest(
                        "field '" + field.getKey() + "' must be a text, number, boolean or null, was " + value);
            }
        }
        return settings;
    }
}
