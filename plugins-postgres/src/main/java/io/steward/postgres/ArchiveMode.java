package io.steward.postgres;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * PostgreSQL's {@code archive_mode}. An enum parameter, not a boolean one: besides on, off and always it takes the
 * other spellings its table lists (true, yes and 1; false, no and 0) in any case, but none of the prefixes a boolean
 * parameter takes ({@code t}, {@code of}...) and no surrounding blanks: the server refuses to start with those.
 */
enum ArchiveMode {
    OFF("off", "false", "no", "0"),
    ON("on", "true", "yes", "1"),
    ALWAYS("always");

    private final List<String> spellings;

    ArchiveMode(String... spellings) {
        this.spellings = List.of(spellings);
    }

    /** The mode the server reads from {@code text}; empty when it would refuse the text. */
    static Optional<ArchiveMode> parse(String text) {
        String lowerCase = text.toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(mode -> mode.spellings.contains(lowerCase))
                .findFirst();
    }

    /** How the server names the mode, in {@code SHOW archive_mode} too. */
    String setting() {
        return spellings.get(0);
    }

    /** Whether the server runs an archiver (on a replica only when always). */
    boolean archives() {
        return this != OFF;
    }
}
