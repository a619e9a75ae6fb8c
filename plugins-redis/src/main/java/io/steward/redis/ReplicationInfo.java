package io.steward.redis;

import io.steward.engine.Endpoint;
import io.steward.engine.ReplicaLink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The {@code INFO replication} section of a Redis server, read into what the core needs.
 *
 * @param primary whether the server is a master (writable unless paused)
 * @param upstream for a replica, the master it is set to follow
 * @param linkUp for a replica, whether its link to the master is up and the initial sync is done
 * @param offset the server's replication offset (a replica's: what it has received and applied)
 * @param replicas for a master, the replicas connected to it, named by address
 * @param replayDelay how far behind in time it is ({@link io.steward.engine.ReplayDelay}): none on a master; none on
 *        a replica whose link is up, since a Redis replica applies the stream as it arrives (however long an idle
 *        master has been silent); on a replica cut off from its master, how long since the link went down (all it may
 *        have missed is younger); empty while the first sync runs or the link's state is not told
 */
record ReplicationInfo(
        boolean primary,
        Optional<Endpoint> upstream,
        boolean linkUp,
        long offset,
        List<ReplicaLink> replicas,
        Optional<Duration> replayDelay) {

    /** Parses the reply of {@code INFO replication}; throws IllegalArgumentException on a reply it cannot read. */
    static ReplicationInfo parse(String info) {
        return of(RedisInfo.parse(info));
    }

    /** The replication fields of an INFO reply that holds them; throws IllegalArgumentException when it does not. */
    static ReplicationInfo of(RedisInfo info) {
        String role =
                info.text("role").orElseThrow(() -> new IllegalArgumentException("INFO replication has no role field"));
        long masterOffset = info.integer("master_repl_offset").orElse(-1);
        if (role.equals("master")) {
            List<ReplicaLink> replicas = new ArrayList<>();
            for (int i = 0; info.text("slave" + i).isPresent(); i++) {
                Map<String, String> replica = info.subfields("slave" + i).orElseThrow();
                if ("online".equals(replica.get("state"))) {
                    replicas.add(new ReplicaLink(
                            replica.get("ip") + ":" + replica.get("port"),
                            RedisInfo.integerValue(replica.get("offset")).orElse(-1),
                            false));
                }
            }
            return new ReplicationInfo(
                    true, Optional.empty(), false, masterOffset, replicas, Optional.of(Duration.ZERO));
        }
        if (!role.equals("slave")) {
            throw new IllegalArgumentException("INFO replication has role " + role + ", expected master or slave");
        }
        Optional<String> host = info.text("master_host");
        long port = info.integer("master_port").orElse(-1);
        Optional<Endpoint> upstream = host.isEmpty() || port < 1 || port > 65535
                ? Optional.empty()
                : Optional.of(new Endpoint(host.get(), (int) port));
        boolean linkUp = info.text("master_link_status").filter("up"::equals).isPresent()
                && info.text("master_sync_in_progress").filter("1"::equals).isEmpty();
        long offset = Math.max(masterOffset, info.integer("slave_repl_offset").orElse(-1));
        Optional<Duration> replayDelay = linkUp
                ? Optional.of(Duration.ZERO)
                : info.text("master_sync_in_progress").filter("1"::equals).isPresent()
                        ? Optional.empty()
                        : optional(info.integer("master_link_down_since_seconds"))
                                .filter(seconds -> seconds >= 0)
                                .map(Duration::ofSeconds);
        return new ReplicationInfo(false, upstream, linkUp, offset, List.of(), replayDelay);
    }

    private static Optional<Long> optional(OptionalLong value) {
        return value.isPresent() ? Optional.of(value.getAsLong()) : Optional.empty();
    }
}
