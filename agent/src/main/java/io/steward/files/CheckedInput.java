package io.steward.files;

import java.io.IOException;
import java.io.InputStream;

/** A file opened and checked by {@link HeldDirectory}, read through the descriptor that was checked. */
public final class CheckedInput extends InputStream {
    private final Posix posix;
    private final int fd;
    private final FileStat stat;
    private boolean closed;

    CheckedInput(Posix posix, int fd, FileStat stat) {
        this.posix = posix;
        this.fd = fd;
        this.stat = stat;
    }

    /** The file as it was when opened. */
    public FileStat stat() {
        return stat;
    }

    /** Whether the file is still the version it was when opened: nothing was written to it since. */
    public boolean unchangedSinceOpened() throws IOException {
        return posix.fstat(fd).version().equals(stat.version());
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (offset == 0) {
            int read = posix.read(fd, buffer, length);
            return read == 0 ? -1 : read;
        }
        byte[] chunk = new byte[length];
        int read = posix.read(fd, chunk, length);
        if (read == 0) {
            return -1;
        }
        System.arraycopy(chunk, 0, buffer, offset, read);
        return read;
    }

    @Override
    public long skip(long count) throws IOException {
        if (count <= 0) {
            return 0;
        }
        posix.skip(fd, count);
        return count;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            posix.close(fd);
        }
    }
}
