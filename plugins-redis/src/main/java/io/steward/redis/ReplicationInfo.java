package io.steward.redis;

import io.steward.engine.Endpoint;
import io.steward.engine.ReplicaLink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code INFO replication} section of a Redis server, read into what the core needs.
 *
 * @param primary whether the server is a master (writable unless paused)
 * @param upstream for a replica, the master it is set to follow
 * @param linkUp for a replica, whether its link to the master is up and the initial sync is done
 * @param offset the server's replication offset (a replica's: what it has received and applied)
 * @param replicas for a master, the replicas connected to it, named by address
 */
record ReplicationInfo(boolean primary, Optional<Endpoint> upstream, boolean linkUp, long offset,
                       List<ReplicaLink> replicas) {

    /** Parses the reply of {@code INFO replication}; throws IllegalArgumentException on a reply it cannot read. */
    static ReplicationInfo parse(String info) {
        Map<String, String> fields = InfoFields.parse(info);
        String role = fields.get("role");
        if (role == null) {
            throw new IllegalArgumentException("INFO replication has no role field");
        }
        long masterOffset = number(fields, "master_repl_offset", -1);
        if (role.equals("master")) {
            List<ReplicaLink> replicas = new ArrayList<>();
            for (int i = 0; fields.containsKey("slave" + i); i++) {
                Map<String, String> replica = subfields(fields.get("slave" + i));
                if ("online".equals(replica.get("state"))) {
                    replicas.add(new ReplicaLink(replica.get("ip") + ":" + replica.get("port"),
                            parseLong(replica.get("offset"), -1), false));
                }
            }
            return new ReplicationInfo(true, Optional.empty(), false, masterOffset, replicas);
        }
        if (!role.equals("slave")) {
            throw new IllegalArgumentException("INFO replication has role " + role + ", expected master or slave");
        }
        String host = fields.get("master_host");
        int port = (int) number(fields, "master_port", -1);
        Optional<Endpoint> upstream = host == null || port < 1 || port > 65535
                ? Optional.empty() : Optional.of(new Endpoint(host, port));
        boolean linkUp = "up".equals(fields.get("master_link_status"))
                && !"1".equals(fields.get("master_sync_in_progress"));
        long offset = Math.max(masterOffset, number(fields, "slave_repl_offset", -1));
        return new ReplicationInfo(false, upstream, linkUp, offset, List.of());
    }

    private static Map<String, String> subfields(String value) {
        Map<String, String> result = new HashMap<>();
        for (String pair : value.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                result.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return result;
    }

    private static long number(Map<String, String> fields, String key, long fallback) {
        return parseLong(fields.get(key), fallback);
    }

    private static long parseLong(String text, long fallback) {
        if (text == null) {
            return fallback;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
