package io.steward.admin;

/** An operator's request that cannot be carried out as asked; nothing was changed. */
public class RejectedRequest extends RuntimeException {
    public RejectedRequest(String message) {
        super(message);
    }
}
