package io.steward.postgres;

import io.steward.engine.DataState;
import io.steward.engine.EngineException;
import io.steward.engine.EngineStatus;
import io.steward.engine.support.CommandRunner;
import io.steward.engine.support.DataDirectories;
import io.steward.files.FileOwner;
import io.steward.files.FileStat;
import io.steward.files.HeldDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data directory: what it holds (nothing, a data directory of these binaries, or something else), what
 * {@code pg_controldata} says of it, where its data lives, and its creation and moving aside. It is the server
 * user's: its files are read through it held open, never by name.
 */
final class DataDirectory {
    private static final Logger log = LoggerFactory.getLogger(DataDirectory.class);
    private static final Duration QUICK_COMMAND_TIMEOUT = Duration.ofSeconds(30);

    /** What the data directory holds, and if it is not a valid one, why. */
    record Check(DataState state, String problem) {}

    private final PostgresSettings settings;
    private final CommandRunner runner;
    private String binariesMajorVersion;

    DataDirectory(PostgresSettings settings, CommandRunner runner) {
        this.settings = settings;
        this.runner = runner;
    }

    Path path() {
        return settings.dataDir();
    }

    /** Held open as the server user's: its files are read and removed through it only. */
    HeldDirectory open() throws IOException {
        return HeldDirectory.open(settings.dataDir(), osUser());
    }

    FileOwner osUser() {
        return FileOwner.lookup(settings.osUser());
    }

    /**
     * Empty when the directory is missing or has no entries (an empty mount point of root's counts); valid when it is
     * a data directory of the installed binaries' major version with a control file; invalid otherwise.
     */
    Check inspect() {
        Path dir = settings.dataDir();
        if (!Files.exists(dir)) {
            return new Check(DataState.EMPTY, "data directory " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            return new Check(DataState.INVALID, dir + " is not a directory");
        }
        // only whether it has entries, no file opened: an empty mount point of root's is an empty data directory too
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isEmpty()) {
                return new Check(DataState.EMPTY, "data directory " + dir + " is empty");
            }
        } catch (IOException e) {
            return new Check(DataState.INVALID, "cannot list " + dir + ": " + e.getMessage());
        }
        try (HeldDirectory held = open()) {
            Optional<String> dataVersion = held.readText("PG_VERSION").map(String::strip);
            if (dataVersion.isEmpty()) {
                return new Check(
                        DataState.INVALID,
                        dir + " is not empty but has no PG_VERSION: not a PostgreSQL data directory");
            }
            String binariesVersion = binariesMajorVersion();
            if (!dataVersion.get().equals(binariesVersion)) {
                return new Check(
                        DataState.INVALID,
                        "data directory is for PostgreSQL " + dataVersion.get() + " but the binaries in "
                                + settings.binDir() + " are PostgreSQL " + binariesVersion);
            }
            try (HeldDirectory global = held.subdirectory("global")) {
                if (global.entry("pg_control")
                        .filter(c -> c.type() == FileStat.Type.REGULAR)
                        .isEmpty()) {
                    return new Check(DataState.INVALID, dir + " has no global/pg_control");
                }
            } catch (NoSuchFileException e) {
                return new Check(DataState.INVALID, dir + " has no global/pg_control");
            }
        } catch (IOException e) {
            return new Check(DataState.INVALID, "cannot inspect " + dir + ": " + e.getMessage());
        }
        return new Check(DataState.VALID, "");
    }

    private synchronized String binariesMajorVersion() {
        if (binariesMajorVersion == null) {
            CommandRunner.Result result = runner.runOrFail(
                    "pg_controldata --version",
                    List.of(settings.binary("pg_controldata").toString(), "--version"),
                    Map.of(),
                    QUICK_COMMAND_TIMEOUT);
            binariesMajorVersion = majorVersion(result.output());
        }
        return binariesMajorVersion;
    }

    /** The major version in a binary's {@code --version}: "pg_controldata (PostgreSQL) 15.14 (Debian ...)" is 15. */
    static String majorVersion(String versionOutput) {
        String output = versionOutput.strip();
        int start = output.indexOf(") ") + 2;
        int dot = output.indexOf('.', start);
        return output.substring(start, dot > 0 ? dot : output.length()).strip();
    }

    /** What {@code pg_controldata} says; empty when it cannot read the directory. */
    Optional<ControlData> controlData() {
        try {
            CommandRunner.Result result = runner.run(
                    "pg_controldata",
                    List.of(
                            settings.binary("pg_controldata").toString(),
                            "-D",
                            settings.dataDir().toString()),
                    Map.of(),
                    QUICK_COMMAND_TIMEOUT);
            return result.succeeded() ? Optional.of(ControlData.parse(result.output())) : Optional.empty();
        } catch (EngineException e) {
            return Optional.empty();
        }
    }

    /**
     * Every directory that holds the data, resolved: the data directory, the WAL directory where pg_wal links
     * elsewhere, and each tablespace.
     */
    List<Path> paths() {
        List<Path> paths = new ArrayList<>();
        try {
            Path dataDir = settings.dataDir().toRealPath();
            paths.add(dataDir);
            Path wal = dataDir.resolve("pg_wal");
            if (Files.isSymbolicLink(wal)) {
                paths.add(wal.toRealPath());
            }
            Path tablespaces = dataDir.resolve("pg_tblspc");
            if (Files.isDirectory(tablespaces)) {
                try (Stream<Path> links = Files.list(tablespaces)) {
                    for (Path link : links.sorted().toList()) {
                        paths.add(link.toRealPath());
                    }
                }
            }
        } catch (IOException e) {
            throw new EngineException(
                    "cannot resolve the data directory " + settings.dataDir() + " and its tablespaces: "
                            + e.getMessage(),
                    e);
        }
        return List.copyOf(paths);
    }

    void requireEmpty(String step) {
        Check data = inspect();
        if (data.state() != DataState.EMPTY) {
            throw new EngineException(step + ": the data directory " + settings.dataDir() + " is not empty ("
                    + data.state() + (data.problem().isEmpty() ? "" : ": " + data.problem()) + ")");
        }
    }

    void requireValid(String step, EngineStatus status) {
        if (status.dataState() != DataState.VALID) {
            throw new EngineException(step + ": the data directory " + settings.dataDir() + " is " + status.dataState()
                    + status.problem().map(p -> " (" + p + ")").orElse(""));
        }
    }

    /** Creates the (empty) data directory owned by the server's user, with the permissions PostgreSQL demands. */
    void prepare(String step) {
        try {
            DataDirectories.createOwned(settings.dataDir(), osUser(), 0700).close();
        } catch (IOException e) {
            throw new EngineException(
                    step + ": cannot prepare the data directory " + settings.dataDir() + ": " + e.getMessage(), e);
        }
    }

    /** Moves the data directory aside (never deletes it), so that it can be filled again. */
    void moveAside(String step) {
        DataDirectories.moveAside(settings.dataDir(), osUser(), step)
                .ifPresent(aside -> log.warn(
                        "Moved the data directory {} aside to {} before cloning it again", settings.dataDir(), aside));
    }
}
