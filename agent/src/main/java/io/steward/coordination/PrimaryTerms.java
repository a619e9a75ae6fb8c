package io.steward.coordination;

import java.util.OptionalLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The znode {@value #PATH}, for a database that elects its own primary: the latest election term and the member
 * elected then, which only ever moves forward, so that a primary that has not noticed its successor cannot prove its
 * stale term.
 */
final class PrimaryTerms {
    private static final String PATH = "/primary-term";

    private final CuratorFramework client;

    PrimaryTerms(CuratorFramework client) {
        this.client = client;
    }

    /**
     * Records that {@code member} is the primary in {@code term}, unless a later term is recorded already.
     * Compare-and-set on the znode's version, so that two primaries of different terms never overwrite each other's
     * record out of order. A record that cannot be read is never overwritten: it may hold a later term.
     *
     * @return whether {@code term} is the latest recorded now (false: a later one is)
     */
    boolean raise(String member, long term) throws Exception {
        ZooKeeperClusterStore.catchUp(client, PATH);
        PrimaryTerm mine = new PrimaryTerm(term, member);
        byte[] data = Json.mapper().writeValueAsBytes(mine);
        while (true) {
            Stat stat = new Stat();
            PrimaryTerm recorded;
            try {
                recorded = trusted(client.getData().storingStatIn(stat).forPath(PATH));
            } catch (KeeperException.NoNodeException e) {
                try {
                    client.create().forPath(PATH, data);
                    return true;
                } catch (KeeperException.NodeExistsException raced) {
                    continue; // another primary wrote first: read again
                }
            }
            if (recorded.term() > term) {
                return false;
            }
            if (recorded.equals(mine)) {
                return true;
            }
            try {
                client.setData().withVersion(stat.getVersion()).forPath(PATH, data);
                return true;
            } catch (KeeperException.BadVersionException raced) {
                // another primary wrote first: read again
            }
        }
    }

    /** The latest term recorded, read after a sync; empty before any. */
    OptionalLong latest() throws Exception {
        ZooKeeperClusterStore.catchUp(client, PATH);
        try {
            return OptionalLong.of(trusted(client.getData().forPath(PATH)).term());
        } catch (KeeperException.NoNodeException e) {
            return OptionalLong.empty();
        }
    }

    /** The recorded term; a bad one fails the caller, which then proves nothing (safety over liveness). */
    private static PrimaryTerm trusted(byte[] data) {
        Parsed<PrimaryTerm> term = ZnodeParser.primaryTerm(PATH, data);
        return term.value()
                .orElseThrow(() -> new CoordinationException(
                        PATH + " holds " + term.problem().get().content() + ": "
                                + term.problem().get().reason()));
    }
}
