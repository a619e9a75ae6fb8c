package io.steward.engine;

import java.util.List;
import java.util.Set;

/**
 * Entry point of a database plugin, found with {@link java.util.ServiceLoader}
 * (a {@code META-INF/services/io.steward.engine.EnginePlugin} file in the plugin's jar).
 *
 * <p>Besides its engine, a plugin may add what belongs to its database alone: commands of the {@code steward} command
 * line, a section of {@code backup} (its own archive in the backup store), the book's user-data keys of its database,
 * and services that run in the agent beside the engine. The core names no engine: it finds all of these here.
 */
public interface EnginePlugin {

    /** The name used in configuration ({@code engine: <name>}). */
    String name();

    /**
     * Reads and validates the engine's settings, reporting problems through {@link EngineContext#settings()}, and
     * says what the configured engine can do and how to build it. Called also by {@code validate-config}, so it must
     * not build the engine, start, stop, connect to or write anything.
     */
    ConfiguredEngine configure(EngineContext context);

    /**
     * Subcommands this plugin adds to {@code steward} (picocli {@code @Command} objects), e.g. the commands the
     * database itself runs to archive and restore; available whether or not this plugin's engine is configured.
     * None by default.
     */
    default List<Object> commands() {
        return List.of();
    }

    /** The {@code STEWARD_*} environment variables that {@link #commands()} read, not configuration; none by default. */
    default Set<String> commandVariables() {
        return Set.of();
    }

    /** The sections of {@code backup} that this plugin reads itself, besides the core's. None by default. */
    default List<BackupSection> backupSections() {
        return List.of();
    }

    /** How this plugin reads the book's EC2 user data; no key by default. */
    default UserDataKeys userData() {
        return UserDataKeys.NONE;
    }

    /**
     * Starts what runs in the agent beside this plugin's engine (an archive's socket, its metrics), once the engine
     * is created; the agent closes them when it stops. None by default.
     */
    default List<EngineService> services(ServiceContext context) {
        return List.of();
    }
}
