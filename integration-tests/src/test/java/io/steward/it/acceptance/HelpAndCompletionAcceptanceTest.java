package io.steward.it.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.steward.it.acceptance.InstalledSteward.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator meets before any cluster exists: {@code steward --help} lists every command, each command's own
 * {@code --help} explains it, the documentation shipped in the tarball mentions every command, a usage error says
 * what was wrong, and the completion script completes commands and options in a real bash.
 */
class HelpAndCompletionAcceptanceTest {
    /** A command line in picocli's "Commands:" section: two spaces, the name, then its description. */
    private static final Pattern COMMAND_ROW = Pattern.compile("^  ([a-z][a-z0-9-]*)(?:,\\s*[a-z0-9-]+)*\\s{2,}\\S");

    @TempDir
    static Path dir;

    private static InstalledSteward steward;
    private static List<String> commands;

    @BeforeAll
    static void install() throws Exception {
        steward = InstalledSteward.unpack(dir);
        CliRun help = steward.run("--help");
        assertThat(help.exitCode()).as(help.transcript()).isZero();
        commands = commandsListed(help.out());
    }

    @Test
    void theHelpListsTheCommandsAnOperatorNeeds() {
        assertThat(commands)
                .contains(
                        "run",
                        "validate-config",
                        "status",
                        "switchover",
                        "failover",
                        "maintenance",
                        "snapshot",
                        "snapshots",
                        "dump",
                        "dumps",
                        "restore",
                        "version",
                        "completion",
                        "wal-push",
                        "wal-fetch");
    }

    @Test
    void everyCommandExplainsItselfWithHelp() throws Exception {
        for (String command : commands) {
            CliRun help = steward.run(command, "--help");

            assertThat(help.exitCode()).as(help.transcript()).isZero();
            assertThat(help.err()).as(command).isEmpty();
            assertThat(help.out()).as(command).startsWith("Usage: steward " + command);
            // the usage line, then at least one line of description
            assertThat(help.out().lines().filter(line -> !line.isBlank()).count())
                    .as(help.out())
                    .isGreaterThan(1);
        }
    }

    @Test
    void theShippedDocumentationMentionsEveryCommand() throws IOException {
        StringBuilder documentation =
                new StringBuilder(Files.readString(steward.home().resolve("README.md")));
        try (Stream<Path> docs = Files.list(steward.home().resolve("docs"))) {
            for (Path doc : docs.filter(path -> path.toString().endsWith(".md")).toList()) {
                documentation.append(Files.readString(doc));
            }
        }

        assertThat(commands)
                .allSatisfy(command -> assertThat(documentation)
                        .as("README.md or docs/*.md mentions `steward %s`", command)
                        .contains("steward " + command));
    }

    @Test
    void anUnknownCommandIsAUsageErrorNamingIt() throws Exception {
        CliRun run = steward.run("statsu");

        assertThat(run.exitCode()).as(run.transcript()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("statsu").contains("status");
    }

    @Test
    void bashCompletesCommandsAndTheirOptions() throws Exception {
        CliRun script = steward.run("completion");
        assertThat(script.exitCode()).as(script.transcript()).isZero();
        Path completion = Files.writeString(dir.resolve("steward-completion.bash"), script.out());

        assertThat(complete(completion, "steward", "swi")).containsExactly("switchover");
        assertThat(complete(completion, "steward", "snap")).containsExactlyInAnyOrder("snapshot", "snapshots");
        assertThat(complete(completion, "steward", "status", "--a")).contains("--api");
    }

    @Test
    void thePackagedCompletionLoadsTheScriptFromTheInstalledCommand() throws Exception {
        Path packaged = steward.home().resolve("completion/steward.bash");
        // bash-completion sources it the first time "steward" is completed, with /usr/bin on the PATH
        Path bin = Files.createDirectories(dir.resolve("path"));
        Files.deleteIfExists(bin.resolve("steward"));
        Files.createSymbolicLink(bin.resolve("steward"), steward.launcher());

        assertThat(complete(packaged, Map.of("PATH", bin + ":/usr/bin:/bin"), "steward", "vali"))
                .containsExactly("validate-config");
    }

    private static List<String> complete(Path script, String... words) throws Exception {
        return complete(script, Map.of(), words);
    }

    /** What bash offers for the last of {@code words}, as if TAB was pressed after it. */
    private static List<String> complete(Path script, Map<String, String> environment, String... words)
            throws Exception {
        String line = String.join(" ", words);
        String program = "source \"$1\"; shift\n"
                + "COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}\n"
                + "complete -p steward >/dev/null || { echo 'no completion for steward' >&2; exit 1; }\n"
                + "_complete_steward steward \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        List<String> command = new ArrayList<>(List.of("bash", "-c", program, "bash", script.toString()));
        command.addAll(List.of(words));
        CliRun run = steward.runCommand(environment, "", command);
        assertThat(run.exitCode()).as(line + "\n" + run.transcript()).isZero();
        return run.out()
                .lines()
                .map(String::strip)
                .filter(word -> !word.isEmpty())
                .toList();
    }

    private static List<String> commandsListed(String help) {
        List<String> listed = new ArrayList<>();
        boolean inCommands = false;
        for (String line : help.lines().toList()) {
            if (line.equals("Commands:")) {
                inCommands = true;
            } else if (inCommands && line.isBlank()) {
                break;
            } else if (inCommands) {
                Matcher row = COMMAND_ROW.matcher(line);
                if (row.find()) {
                    listed.add(row.group(1));
                }
            }
        }
        assertThat(listed).as("commands in:\n" + help).isNotEmpty();
        return listed;
    }
}
