package io.steward.it.mongo;

/** A replica-set member's state, with the numbers and names replSetGetStatus reports. */
public enum MemberState {
    STARTUP(0, "STARTUP"),
    PRIMARY(1, "PRIMARY"),
    SECONDARY(2, "SECONDARY"),
    ARBITER(7, "ARBITER"),
    DOWN(8, "(not reachable/healthy)"),
    REMOVED(10, "REMOVED");

    public final int code;
    public final String displayName;

    MemberState(int code, String displayName) {
        this.code = code;
        this.displayName = displayName;
    }
}
