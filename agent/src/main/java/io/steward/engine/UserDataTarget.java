package io.steward.engine;

import com.fasterxml.jackson.databind.JsonNode;

/** Where a plugin puts what it read from the book's user data ({@link UserDataKeys#translate}). */
public interface UserDataTarget {

    /** Sets the dotted configuration key {@code key} to {@code value}, which came from the user-data keys {@code from}. */
    void put(String key, JsonNode value, String... from);

    /** Reports that user-data key {@code key} holds {@code value} (null: it is missing), and what is allowed. */
    void problem(String key, String value, String allowed);

    /** Takes user-data key {@code key} from the core, which then does not read it. */
    void claim(String key);
}
