package io.steward.cli;

import io.steward.admin.AdminJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "edit-config",
        description = {
            "Changes the cluster-wide HA settings stored in ZooKeeper, which override every node's ha: section: with "
                    + "--set, or in $VISUAL or $EDITOR (else vi) on the document show-config prints. Shows the change "
                    + "as a diff and asks before it is sent.",
            "The agent checks every value as the configuration file's are; a bad one is refused, naming the key, "
                    + "and nothing changes."
        })
final class EditConfigCommand extends ConfirmedCommand {
    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "Set one setting (repeatable); KEY=null removes it, so that each node's own applies.")
    List<String> sets;

    @Override
    AdminClient.Response send(AdminClient client) throws AdminClient.AgentUnreachable, IOException {
        AdminJson.Config config = MemberAgent.read(client, "/config", AdminJson.Config.class);
        Map<String, String> before = config.cluster();
        Map<String, String> after = sets == null ? edited(config) : withSets(before);
        String diff = HaSettingsYaml.diff(before, after);
        if (diff.isEmpty()) {
            throw new Stop("no change: nothing sent", StewardCli.EXIT_OK);
        }
        spec.commandLine().getOut().print(diff);
        spec.commandLine().getOut().flush();
        confirm("Apply these changes to the cluster-wide settings?", "change the cluster-wide settings");
        Map<String, Object> changes = new HashMap<>();
        TreeSet<String> keys = new TreeSet<>(before.keySet());
        keys.addAll(after.keySet());
        for (String key : keys) {
            if (!java.util.Objects.equals(before.get(key), after.get(key))) {
                changes.put(key, after.get(key));
            }
        }
        return client.post("/settings", changes);
    }

    private Map<String, String> withSets(Map<String, String> before) {
        Map<String, String> after = new TreeMap<>(before);
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                throw new Stop("--set must be KEY=VALUE, was '" + set + "'", StewardCli.EXIT_USAGE);
            }
            String key = set.substring(0, eq).strip();
            String value = set.substring(eq + 1).strip();
            if (value.equals("null")) {
                after.remove(key);
            } else {
                after.put(key, value);
            }
        }
        return after;
    }

    /** What the operator leaves in the document after editing it. */
    private Map<String, String> edited(AdminJson.Config config) throws IOException {
        Path file = Files.createTempFile(
                "steward-config-",
                ".yml",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(file, HaSettingsYaml.render(config, config.member()), StandardCharsets.UTF_8);
            int exit = runEditor(file);
            if (exit != 0) {
                throw new Stop("the editor exited with code " + exit + ": nothing changed", StewardCli.EXIT_REFUSED);
            }
            return HaSettingsYaml.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new Stop(
                    "the edited document cannot be used: " + e.getMessage() + "; nothing changed",
                    StewardCli.EXIT_USAGE);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** $VISUAL, else $EDITOR, else vi, on the terminal; the variable may hold options ("code --wait"). */
    private static int runEditor(Path file) throws IOException {
        String editor = System.getenv("VISUAL");
        if (editor == null || editor.isBlank()) {
            editor = System.getenv("EDITOR");
        }
        if (editor == null || editor.isBlank()) {
            editor = "vi";
        }
        Process process = new ProcessBuilder("/bin/sh", "-c", editor + " \"$1\"", "editor", file.toString())
                .inheritIO()
                .start();
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
            throw new Stop("interrupted while editing: nothing changed", StewardCli.EXIT_REFUSED);
        }
    }
}
