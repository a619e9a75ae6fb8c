package io.steward.mongodb;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.UserDataKeys;
import io.steward.engine.UserDataTarget;
import java.util.List;
import java.util.Optional;

/**
 * The book's MongoDB user data: size, role and source go to the {@code mongodb} section; {@code name} is the replica
 * set's, not the node's (which is then named by its instance id).
 */
final class MongoUserData implements UserDataKeys {
    private static final List<String> KEYS = List.of("size", "role", "source");
    private static final String NAME = "name";

    @Override
    public List<String> keys() {
        return KEYS;
    }

    @Override
    public void translate(ObjectNode userData, Optional<String> engine, UserDataTarget target) {
        for (String key : KEYS) {
            if (userData.has(key)) {
                target.put(MongoPlugin.NAME + "." + key, userData.get(key), key);
            }
        }
        if (engine.filter(MongoPlugin.NAME::equalsIgnoreCase).isPresent() && userData.has(NAME)) {
            target.claim(NAME);
            target.put(MongoPlugin.NAME + ".replica_set", userData.get(NAME), NAME);
        }
    }
}
