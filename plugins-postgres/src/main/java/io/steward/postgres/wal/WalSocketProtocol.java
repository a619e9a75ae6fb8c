package io.steward.postgres.wal;

import io.steward.files.FileVersion;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * The requests and replies on the WAL socket, version 2. The command, which runs as PostgreSQL's user, does all the
 * file work itself and the agent only ever sees bytes: it never opens a path it is given, so the socket cannot make
 * root read or write a file of someone else's choosing.
 * <pre>
 * steward-wal 2 push 000000010000000000000003 16777216     followed by exactly that many bytes of the file
 * steward-wal 2 confirm 000000010000000000000003 16777216 65024 612 1796608920.150319941
 * steward-wal 2 fetch 000000010000000000000003
 * </pre>
 * A push is answered by {@code <exit code> <message>}; a fetch by {@code 0 <size> <message>} followed by exactly
 * that many bytes of the restored file, verified, or by {@code <exit code> <message>} alone when it failed. The exit
 * code is the one the command returns to PostgreSQL. Only JDK classes (and the record {@link FileVersion}) here: the
 * command's side must start fast.
 *
 * <p>A confirm carries no bytes, only the {@link FileVersion} of the file the command would push (size, device,
 * inode and change time, as {@code stat -c '%s %d %i %.9Z'} prints them). It is answered {@code 0 <message>} when
 * the agent already uploaded exactly that version ahead of the request (the push is done), otherwise
 * {@code 1 <message>}: the command then pushes the file. Claiming a version proves nothing to the agent; it only
 * saves the bytes of a file that the agent itself read, as the database user's, from the WAL directory.
 *
 * <p>Version 1 carried paths for the agent to open; such a request is refused with a reply that says so.
 */
public final class WalSocketProtocol {
    static final String MAGIC = "steward-wal ";
    static final String VERSION = "2";
    /** PostgreSQL's largest WAL segment size (--wal-segsize): nothing it archives is larger. */
    static final long MAX_FILE_SIZE = 1L << 30;

    private static final int MAX_LINE = 8192;

    private WalSocketProtocol() {}

    public enum Operation {
        PUSH,
        CONFIRM,
        FETCH
    }

    /**
     * A request; {@code size} is the length of the file that follows a push, or of the file a confirm is about (0 for
     * a fetch); {@code version} is the version of the file a confirm is about.
     */
    public record Request(Operation operation, String name, long size, Optional<FileVersion> version) {

        public static Request push(String name, long size) {
            return new Request(Operation.PUSH, name, size, Optional.empty());
        }

        public static Request confirm(String name, FileVersion version) {
            return new Request(Operation.CONFIRM, name, version.size(), Optional.of(version));
        }

        public static Request fetch(String name) {
            return new Request(Operation.FETCH, name, 0, Optional.empty());
        }

        public String line() {
            String request = switch (operation) {
                case PUSH -> "push " + name + " " + size;
                case CONFIRM ->
                    "confirm " + name + " " + size + " "
                            + version.map(v -> v.device() + " " + v.inode() + " "
                                            + v.changed().getEpochSecond() + "."
                                            + String.format("%09d", v.changed().getNano()))
                                    .orElseThrow();
                case FETCH -> "fetch " + name;
            };
            return MAGIC + VERSION + " " + request + "\n";
        }

        static Request parse(String line) {
            if (!line.startsWith(MAGIC)) {
                throw new IllegalArgumentException("not a WAL request: '" + abbreviate(line) + "'");
            }
            String[] words = line.substring(MAGIC.length()).split(" ", -1);
            if (!words[0].equals(VERSION)) {
                throw new IllegalArgumentException("this agent takes version " + VERSION
                        + " WAL requests, not version '"
                        + abbreviate(words[0]) + "' (version 1 sent paths for the agent to open as root); run the "
                        + "steward command of this agent's version");
            }
            if (words.length == 4 && words[1].equals("push")) {
                return push(walFileName(words[2]), size(words[3]));
            }
            if (words.length == 7 && words[1].equals("confirm")) {
                return confirm(
                        walFileName(words[2]),
                        new FileVersion(
                                number("device", words[4]),
                                number("inode", words[5]),
                                size(words[3]),
                                changeTime(words[6])));
            }
            if (words.length == 3 && words[1].equals("fetch")) {
                return fetch(walFileName(words[2]));
            }
            throw new IllegalArgumentException("expected push NAME SIZE, confirm NAME SIZE DEVICE INODE CHANGED or "
                    + "fetch NAME, got '" + abbreviate(line.substring(MAGIC.length())) + "'");
        }

        private static long number(String what, String text) {
            try {
                return Long.parseUnsignedLong(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the " + what + " must be a number, got '" + abbreviate(text) + "'");
            }
        }

        /** Seconds since the epoch, a dot and nine digits of nanoseconds, as {@code stat -c %.9Z} prints it. */
        private static Instant changeTime(String text) {
            int dot = text.indexOf('.');
            if (dot > 0 && text.length() - dot == 10) {
                try {
                    return Instant.ofEpochSecond(
                            Long.parseLong(text.substring(0, dot)), Integer.parseUnsignedInt(text.substring(dot + 1)));
                } catch (NumberFormatException e) {
                    // said below
                }
            }
            throw new IllegalArgumentException("the change time must be seconds and nine digits of nanoseconds, as "
                    + "1796608920.150319941, got '" + abbreviate(text) + "'");
        }

        private static String walFileName(String name) {
            return new WalFileName(name).value();
        }

        private static long size(String text) {
            try {
                long size = Long.parseLong(text);
                if (size >= 0 && size <= MAX_FILE_SIZE) {
                    return size;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new IllegalArgumentException("the size must be a number of bytes from 0 to " + MAX_FILE_SIZE
                    + ", got '" + abbreviate(text) + "'");
        }
    }

    /** The exit code for PostgreSQL and the line to print; {@code size} is the length of a fetched file that follows. */
    public record Reply(int exitCode, long size, String message) {
        public Reply(int exitCode, String message) {
            this(exitCode, -1, message);
        }

        static Reply done(String message) {
            return new Reply(0, message);
        }

        /** A fetch that succeeded: the file's bytes follow the line. */
        static Reply restored(long size, String message) {
            return new Reply(0, size, message);
        }

        /** A confirm the agent cannot give: the command pushes the file. */
        static Reply unconfirmed(String message) {
            return new Reply(1, message);
        }

        /** A request the agent will not carry out: bad usage, as for a bad command line. */
        static Reply refused(String message) {
            return new Reply(2, "refused: " + message);
        }

        String line() {
            return exitCode + (size >= 0 ? " " + size : "") + " " + message.replace('\n', ' ') + "\n";
        }

        /** A reply line; for a fetch, a successful reply carries the size of the file that follows. */
        public static Reply parse(String line, Operation operation) {
            String[] words = line.split(" ", operation == Operation.FETCH ? 3 : 2);
            try {
                int exitCode = Integer.parseInt(words[0]);
                if (exitCode == 0 && operation == Operation.FETCH) {
                    return new Reply(0, Long.parseLong(words[1]), words.length > 2 ? words[2] : "");
                }
                return new Reply(exitCode, line.indexOf(' ') < 0 ? "" : line.substring(line.indexOf(' ') + 1));
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                return new Reply(3, "unexpected answer from the agent: '" + abbreviate(line) + "'");
            }
        }
    }

    /** One line, without its end; at most 8 KiB. Fails at the end of the stream before a line ends. */
    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b == -1) {
                throw new EOFException(line.size() == 0 ? "no answer" : "the line ended early");
            }
            if (line.size() >= MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    /** Copies exactly {@code size} bytes; fails when {@code in} ends before. */
    public static void copyExactly(InputStream in, java.io.OutputStream out, long size) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long remaining = size;
        while (remaining > 0) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (read == -1) {
                throw new EOFException("the file ended after " + (size - remaining) + " of its " + size + " bytes");
            }
            out.write(buffer, 0, read);
            remaining -= read;
        }
    }

    /**
     * The bytes of a file that follow a line on the socket: exactly {@code size} of them, after which the sender shuts
     * its side down. Reading fails, rather than ends, when fewer arrive or more follow, so that whoever consumes the
     * stream (compressing, hashing, writing a hidden file) never takes a short or padded file for the whole one;
     * {@link #violation} then says what was wrong, in words for a reply.
     */
    public static final class FileBytes extends InputStream {
        private final InputStream in;
        private final long size;
        private long remaining;
        private String violation;

        public FileBytes(InputStream in, long size) {
            this.in = in;
            this.size = size;
            this.remaining = size;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (remaining == 0) {
                if (in.read() != -1) {
                    throw violated(new IOException("brought more than its " + size + " bytes"));
                }
                return -1;
            }
            int read = in.read(buffer, offset, (int) Math.min(length, remaining));
            if (read == -1) {
                throw violated(new EOFException("did not bring the whole file: the file ended after "
                        + (size - remaining) + " of its " + size + " bytes"));
            }
            remaining -= read;
            return read;
        }

        /** How the bytes were not the file's, once reading them failed for that reason. */
        public Optional<String> violation() {
            return Optional.ofNullable(violation);
        }

        private IOException violated(IOException e) {
            violation = e.getMessage();
            return e;
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
