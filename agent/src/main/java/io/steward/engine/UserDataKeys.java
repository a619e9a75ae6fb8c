package io.steward.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * How a plugin reads the book's EC2 user data (the JSON of "Resilience and Reliability on AWS"): the keys that belong
 * to its database, turned into configuration keys, so that nodes launched the book's way keep working.
 */
public interface UserDataKeys {
    /** Reads no key. */
    UserDataKeys NONE = new UserDataKeys() {
        @Override
        public List<String> keys() {
            return List.of();
        }

        @Override
        public void translate(ObjectNode userData, Optional<String> engine, UserDataTarget target) {}
    };

    /** The user-data keys this plugin reads, for the list of the book's keys that messages give. */
    List<String> keys();

    /**
     * Turns this plugin's keys of {@code userData} into configuration keys. Its own keys go to its section whichever
     * engine is configured, so that a wrong engine is reported as a section that does not belong; a key the core reads
     * that means something else for this plugin's engine (the book's {@code name}) is claimed only when
     * {@code engine} is this plugin's.
     *
     * @param engine the engine the configuration's other sources name, if they do
     */
    void translate(ObjectNode userData, Optional<String> engine, UserDataTarget target);
}
