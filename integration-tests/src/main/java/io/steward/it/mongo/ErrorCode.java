package io.steward.it.mongo;

/** The server error codes this test server answers with, by their number and codeName as mongod reports them. */
enum ErrorCode {
    INTERNAL_ERROR(1, "InternalError"),
    BAD_VALUE(2, "BadValue"),
    UNAUTHORIZED(13, "Unauthorized"),
    ILLEGAL_OPERATION(20, "IllegalOperation"),
    ALREADY_INITIALIZED(23, "AlreadyInitialized"),
    WRITE_CONCERN_FAILED(64, "WriteConcernFailed"),
    NODE_NOT_FOUND(74, "NodeNotFound"),
    UNKNOWN_REPL_WRITE_CONCERN(79, "UnknownReplWriteConcern"),
    CANNOT_INITIALIZE_NODE_WITH_DATA(92, "CannotInitializeNodeWithData"),
    INVALID_REPLICA_SET_CONFIG(93, "InvalidReplicaSetConfig"),
    NOT_YET_INITIALIZED(94, "NotYetInitialized"),
    NOT_SECONDARY(95, "NotSecondary"),
    UNSATISFIABLE_WRITE_CONCERN(100, "UnsatisfiableWriteConcern"),
    NEW_REPLICA_SET_CONFIGURATION_INCOMPATIBLE(103, "NewReplicaSetConfigurationIncompatible"),
    PRIMARY_STEPPED_DOWN(189, "PrimarySteppedDown"),
    EXCEEDED_TIME_LIMIT(262, "ExceededTimeLimit"),
    NOT_WRITABLE_PRIMARY(10107, "NotWritablePrimary"),
    INTERRUPTED_AT_SHUTDOWN(11600, "InterruptedAtShutdown"),
    NOT_PRIMARY_NO_SECONDARY_OK(13435, "NotPrimaryNoSecondaryOk"),
    NOT_PRIMARY_OR_SECONDARY(13436, "NotPrimaryOrSecondary");

    final int code;
    final String codeName;

    ErrorCode(int code, String codeName) {
        this.code = code;
        this.codeName = codeName;
    }

    /** The errors after which mongod adds its topologyVersion, so that drivers can tell a stale one from news. */
    boolean isStateChange() {
        return this == NOT_WRITABLE_PRIMARY
                || this == NOT_PRIMARY_NO_SECONDARY_OK
                || this == NOT_PRIMARY_OR_SECONDARY
                || this == PRIMARY_STEPPED_DOWN
                || this == INTERRUPTED_AT_SHUTDOWN;
    }
}
