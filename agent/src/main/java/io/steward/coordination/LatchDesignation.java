package io.steward.coordination;

import java.io.IOException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;

/** A place in the election for a cluster-wide duty: a Curator leader latch under {@code /designated/<duty>}. */
final class LatchDesignation implements ClusterStore.Designation {
    private final LeaderLatch latch;

    private LatchDesignation(LeaderLatch latch) {
        this.latch = latch;
    }

    static LatchDesignation join(CuratorFramework client, String duty, String name) throws Exception {
        LeaderLatch latch = new LeaderLatch(client, "/designated/" + duty, name);
        latch.start();
        return new LatchDesignation(latch);
    }

    @Override
    public boolean held() {
        return latch.hasLeadership();
    }

    @Override
    public void close() {
        try {
            latch.close();
        } catch (IOException | IllegalStateException e) {
            // already closed, or the session is gone: the duty has passed on either way
        }
    }
}
