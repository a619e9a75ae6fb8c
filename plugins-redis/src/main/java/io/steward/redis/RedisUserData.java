package io.steward.redis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.steward.engine.UserDataKeys;
import io.steward.engine.UserDataTarget;
import java.util.List;
import java.util.Optional;

/**
 * The book's Redis user data: persistence, maxmemory, maxmemory-policy, logging, snapshot and rdb, each the
 * {@code redis} key of the same name with '_' for '-'.
 */
final class RedisUserData implements UserDataKeys {
    private static final List<String> KEYS =
            List.of("persistence", "maxmemory", "maxmemory-policy", "logging", "snapshot", "rdb");

    @Override
    public List<String> keys() {
        return KEYS;
    }

    @Override
    public void translate(ObjectNode userData, Optional<String> engine, UserDataTarget target) {
        for (String key : KEYS) {
            if (userData.has(key)) {
                target.put(RedisPlugin.NAME + "." + key.replace('-', '_'), userData.get(key), key);
            }
        }
    }
}
