package io.steward.mongodb;

import io.steward.engine.ClientConnections.Target;
import io.steward.engine.Endpoint;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A MongoDB connection string: every server as the seed list and the set's name, so that the driver finds the set's
 * primary (or, with a read preference, a secondary) itself, before and after an election.
 */
final class MongoConnectionString {
    private MongoConnectionString() {}

    static String of(List<Endpoint> servers, String replicaSet, Target target) {
        String seeds = servers.stream()
                .map(s -> (s.host().contains(":") ? "[" + s.host() + "]" : s.host()) + ":" + s.port())
                .collect(Collectors.joining(","));
        String readPreference = switch (target) {
            case PRIMARY -> "";
            case REPLICA -> "&readPreference=secondaryPreferred";
            case ANY -> "&readPreference=nearest";
        };
        return "mongodb://" + seeds + "/?replicaSet=" + replicaSet + readPreference;
    }
}
