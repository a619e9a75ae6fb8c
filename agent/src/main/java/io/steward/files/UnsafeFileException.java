package io.steward.files;

import java.io.IOException;

/** A file or directory the agent refuses to use: a link, another user's, not what it should be. */
public final class UnsafeFileException extends IOException {
    public UnsafeFileException(String message) {
        super(message);
    }
}
