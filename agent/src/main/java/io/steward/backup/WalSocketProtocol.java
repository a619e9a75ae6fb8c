package io.steward.backup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The one-line requests and replies on the WAL socket, version 1:
 * <pre>
 * steward-wal 1 push /abs/path/pg_wal/000000010000000000000003
 * steward-wal 1 fetch 000000010000000000000003 /abs/path/pg_wal/RECOVERYXLOG
 * </pre>
 * answered by {@code <exit code> <message>}: the exit code the command returns to PostgreSQL, and what it prints.
 * Only JDK classes here: the command's side must start fast.
 */
public final class WalSocketProtocol {
    static final String MAGIC = "steward-wal 1 ";
    private static final int MAX_LINE = 8192;

    private WalSocketProtocol() {
    }

    public enum Operation { PUSH, FETCH }

    /** A request; {@code name} is only set for a fetch. */
    public record Request(Operation operation, String name, Path path) {

        public String line() {
            return MAGIC + (operation == Operation.PUSH ? "push " + path : "fetch " + name + " " + path) + "\n";
        }

        static Request parse(String line) {
            if (!line.startsWith(MAGIC)) {
                throw new IllegalArgumentException("not a version 1 WAL request: '" + abbreviate(line) + "'");
            }
            String rest = line.substring(MAGIC.length());
            if (rest.startsWith("push ")) {
                return new Request(Operation.PUSH, "", absolute(rest.substring(5)));
            }
            if (rest.startsWith("fetch ")) {
                String[] parts = rest.substring(6).split(" ", 2);
                if (parts.length == 2) {
                    new WalFileName(parts[0]);
                    return new Request(Operation.FETCH, parts[0], absolute(parts[1]));
                }
            }
            throw new IllegalArgumentException("expected push PATH or fetch NAME PATH, got '" + abbreviate(rest) + "'");
        }

        private static Path absolute(String text) {
            Path path = Path.of(text);
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("the path must be absolute, got '" + abbreviate(text) + "'");
            }
            return path.normalize();
        }
    }

    /** The exit code for PostgreSQL and the line to print. */
    public record Reply(int exitCode, String message) {
        static Reply done(String message) {
            return new Reply(0, message);
        }

        /** A request the agent will not carry out: bad usage, as for a bad command line. */
        static Reply refused(String message) {
            return new Reply(2, "refused: " + message);
        }

        String line() {
            return exitCode + " " + message.replace('\n', ' ') + "\n";
        }

        public static Reply parse(String line) {
            int space = line.indexOf(' ');
            try {
                return new Reply(Integer.parseInt(space < 0 ? line : line.substring(0, space)),
                        space < 0 ? "" : line.substring(space + 1));
            } catch (NumberFormatException e) {
                return new Reply(3, "unexpected answer from the agent: '" + abbreviate(line) + "'");
            }
        }
    }

    /** One line, without its end; at most 8 KiB. */
    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (line.size() >= MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
