package io.steward.it.mongo;

import de.bwaldvogel.mongo.bson.Document;
import java.util.List;

/** Typed reads from a config document, failing with the messages mongod's IDL parser uses. */
final class ConfigFields {
    private final String owner;
    private final Document document;

    ConfigFields(String owner, Document document) {
        this.owner = owner;
        this.document = document;
    }

    String string(String field) {
        if (document.get(field) instanceof String value) {
            return value;
        }
        throw missingOrWrongType(field, "string");
    }

    int integer(String field) {
        if (document.get(field) instanceof Number value) {
            return value.intValue();
        }
        throw missingOrWrongType(field, "int");
    }

    Number number(String field, Number fallback) {
        Object value = document.get(field);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number number) {
            return number;
        }
        throw wrongType(field, "number");
    }

    boolean bool(String field, boolean fallback) {
        Object value = document.get(field);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean bool) {
            return bool;
        }
        if (value instanceof Number number) {
            return number.doubleValue() != 0;
        }
        throw wrongType(field, "bool");
    }

    Document document(String field) {
        Object value = document.get(field);
        if (value == null) {
            return new Document();
        }
        if (value instanceof Document nested) {
            return nested;
        }
        throw wrongType(field, "object");
    }

    List<?> array(String field) {
        if (document.get(field) instanceof List<?> list) {
            return list;
        }
        throw missingOrWrongType(field, "array");
    }

    private IllegalArgumentException missingOrWrongType(String field, String type) {
        if (!document.containsKey(field)) {
            return new IllegalArgumentException(
                    "BSON field '" + owner + "." + field + "' is missing but a required field");
        }
        return wrongType(field, type);
    }

    private IllegalArgumentException wrongType(String field, String type) {
        return new IllegalArgumentException("BSON field '" + owner + "." + field + "' is the wrong type '"
                + document.get(field).getClass().getSimpleName() + "', expected type '" + type + "'");
    }
}
