package io.steward.admin;

import io.steward.backup.ArchivedDump;
import java.util.List;

/** What the admin API asks of the agent's dumps. */
public interface DumpBackend {

    /** For an agent without {@code backup.dumps}: every request is refused, saying so. */
    DumpBackend NOT_CONFIGURED = new DumpBackend() {
        @Override
        public ArchivedDump takeDump() {
            throw new RejectedRequest("dumps are not configured on this node (backup.dumps)");
        }

        @Override
        public List<ArchivedDump> dumps() {
            throw new RejectedRequest("dumps are not configured on this node (backup.dumps)");
        }
    };

    /**
     * Takes a dump of this node's dataset now and returns it once it is archived.
     *
     * @throws RejectedRequest when the server is not running or the dump or its upload failed
     */
    ArchivedDump takeDump();

    /** The cluster's archived dumps, oldest first. */
    List<ArchivedDump> dumps();
}
