package io.steward.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import io.steward.settings.Settings;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code postgresql.parameters}: server settings written to steward.conf as given, in the order given, except that
 * none may be one that Steward writes itself, a YAML boolean is written as PostgreSQL's {@code on} or {@code off}
 * (YAML 1.1 reads an unquoted {@code on} as true), and {@code archive_mode} follows {@code archive_command}.
 */
final class ServerParameters {
    static final String ARCHIVE_MODE = "archive_mode";
    static final String ARCHIVE_COMMAND = "archive_command";

    private static final String KEY = "parameters";
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

    /** Settings that Steward writes itself, per node or per role; a passed-through parameter must not fight them. */
    static final Set<String> RESERVED = Set.of(
            "listen_addresses",
            "port",
            "unix_socket_directories",
            "primary_conninfo",
            "primary_slot_name",
            "recovery_target_timeline",
            "synchronous_standby_names",
            "hba_file",
            "config_file",
            "data_directory",
            "include",
            "include_if_exists",
            "include_dir");

    private ServerParameters() {}

    /** Reads and checks the parameters of {@code section}; every problem is recorded there, nothing is thrown. */
    static Map<String, String> read(Settings section) {
        Map<String, String> parameters = new LinkedHashMap<>();
        section.scalarMap(KEY).forEach((name, value) -> {
            if (!NAME.matcher(name).matches()) {
                section.problems()
                        .add(
                                keyPath(section, name),
                                value.asText(),
                                "a PostgreSQL parameter name (letters, digits, '_' and '.')");
            } else if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                section.problems()
                        .add(
                                keyPath(section, name),
                                value.asText(),
                                "a parameter Steward does not manage itself (" + name + " is set from other settings)");
            }
            parameters.put(name, text(value));
        });
        manageArchiveMode(section, parameters);
        return Collections.unmodifiableMap(parameters);
    }

    /** A YAML boolean as PostgreSQL writes one, for every parameter; anything else as its text. */
    static String text(JsonNode value) {
        if (value.isBoolean()) {
            return value.booleanValue() ? "on" : "off";
        }
        return value.asText();
    }

    /**
     * PostgreSQL runs no archive_command while archive_mode is off, its default: a node given an archive command would
     * archive nothing, and say nothing. So with an archive_command, archive_mode is on unless given as always, and off
     * is a configuration error. Any archive_mode is written as the server names it, which is what it reports back.
     */
    private static void manageArchiveMode(Settings section, Map<String, String> parameters) {
        Optional<String> givenName = name(parameters, ARCHIVE_MODE);
        Optional<String> given = givenName.map(parameters::remove);
        Optional<ArchiveMode> mode = given.flatMap(ArchiveMode::parse);
        if (given.isPresent() && mode.isEmpty()) {
            section.problems()
                    .add(
                            keyPath(section, givenName.get()),
                            given.get(),
                            "on, off or always (or true, yes, 1, false, no, 0), as PostgreSQL reads archive_mode");
            parameters.put(givenName.get(), given.get());
            return;
        }
        Optional<String> command = name(parameters, ARCHIVE_COMMAND)
                .filter(name -> !parameters.get(name).isBlank());
        if (command.isPresent() && mode.filter(ArchiveMode.OFF::equals).isPresent()) {
            section.problems()
                    .add(
                            keyPath(section, givenName.get()),
                            given.get(),
                            "on or always, or left out (Steward then sets it on): " + keyPath(section, command.get())
                                    + " is set, so WAL is to be archived; remove it to archive nothing");
        }
        Optional<ArchiveMode> written = command.isPresent() ? Optional.of(mode.orElse(ArchiveMode.ON)) : mode;
        written.ifPresent(archiveMode -> parameters.put(ARCHIVE_MODE, archiveMode.setting()));
    }

    /** The name a parameter was given by: PostgreSQL's names are case-insensitive. */
    private static Optional<String> name(Map<String, String> parameters, String parameter) {
        return parameters.keySet().stream()
                .filter(name -> name.equalsIgnoreCase(parameter))
                .findFirst();
    }

    private static String keyPath(Settings section, String name) {
        return section.keyPath(KEY) + "." + name;
    }
}
