package io.steward.postgres;

import io.steward.engine.EngineException;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * A password handed to a PostgreSQL program run as the server's user, in a file only that user can read (mode 0600,
 * which libpq demands of a password file), removed once the program has ended. Never the environment: a child's
 * environment stays readable in {@code /proc/PID/environ} for as long as it runs.
 */
final class PasswordFile implements AutoCloseable {
    private final Path path;

    private PasswordFile(Path path) {
        this.path = path;
    }

    /** A file holding only the password, for {@code initdb --pwfile}. */
    static PasswordFile plain(String step, String password, String osUser) {
        return write(step, password + "\n", osUser);
    }

    /**
     * A libpq password file ({@code PGPASSFILE}) that gives {@code password} to {@code user} on every host, port
     * and database: the program it is made for connects to one server only.
     */
    static PasswordFile pgpass(String step, String user, String password, String osUser) {
        return write(step, "*:*:*:" + escaped(user) + ":" + escaped(password) + "\n", osUser);
    }

    Path path() {
        return path;
    }

    /** The environment that points libpq at this file ({@code PGPASSFILE}): the child's environment holds no secret. */
    Map<String, String> environment() {
        return Map.of("PGPASSFILE", path.toString());
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // A file in the temporary folder, readable by the server's user alone; the next boot removes it.
        }
    }

    /**
     * Created by the agent with a name no one can guess and mode 0600 from the start (the temporary folder is
     * sticky, so no other user can swap it), then handed to the server's user.
     */
    private static PasswordFile write(String step, String content, String osUser) {
        PasswordFile file;
        try {
            file = new PasswordFile(Files.createTempFile(
                    "steward-pw-",
                    "",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))));
        } catch (IOException e) {
            throw failure(step, osUser, e);
        }
        try {
            Files.writeString(file.path, content);
            Files.setOwner(
                    file.path,
                    FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(osUser));
            return file;
        } catch (IOException e) {
            file.close();
            throw failure(step, osUser, e);
        }
    }

    private static EngineException failure(String step, String osUser, IOException e) {
        return new EngineException(step + ": cannot write a password file for " + osUser + ": " + e.getMessage(), e);
    }

    /** libpq reads {@code \:} and {@code \\} in a password file as the characters themselves. */
    private static String escaped(String field) {
        return field.replace("\\", "\\\\").replace(":", "\\:");
    }
}
