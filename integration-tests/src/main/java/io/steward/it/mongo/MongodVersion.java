package io.steward.it.mongo;

import de.bwaldvogel.mongo.MongoVersion;
import java.util.List;

/** The mongod release this server presents itself as, in buildInfo, serverStatus and the hello wire versions. */
enum MongodVersion implements MongoVersion {
    MONGODB_7_0;

    /** MongoDB 7.0's wire version; the driver 5.x accepts 8 and up. */
    static final int WIRE_VERSION = 21;

    @Override
    public List<Integer> getVersionArray() {
        return List.of(7, 0, 14);
    }

    @Override
    public int getWireVersion() {
        return WIRE_VERSION;
    }
}
