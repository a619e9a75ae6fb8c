package io.steward.cli;

import io.steward.engine.EnginePlugin;
import io.steward.plugins.EngineRegistry;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code steward} command: the agent's entry point and the operator's tool for a running agent, with the commands
 * of the installed plugins ({@link EnginePlugin#commands()}). The exit codes below are those of the commands that talk
 * to the agent; a plugin's commands may follow their database's own conventions, listed in their help.
 */
@Command(
        name = "steward",
        mixinStandardHelpOptions = true,
        versionProvider = StewardCli.Version.class,
        scope = CommandLine.ScopeType.INHERIT,
        description = "HA agent for databases on AWS EC2, and the tool to ask a running agent what it sees and to "
                + "steer it.",
        subcommands = {
            RunCommand.class,
            ValidateConfigCommand.class,
            StatusCommand.class,
            HistoryCommand.class,
            TopologyCommand.class,
            DsnCommand.class,
            ShowConfigCommand.class,
            EditConfigCommand.class,
            RestartCommand.class,
            ReloadCommand.class,
            SwitchoverCommand.class,
            FailoverCommand.class,
            MaintenanceCommand.class,
            ReinitializeCommand.class,
            SnapshotCommand.class,
            SnapshotsCommand.class,
            DumpCommand.class,
            DumpsCommand.class,
            RestoreCommand.class,
            VersionCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the agent refused the request, or its answer holds nothing for it (the reason is printed), or the "
                    + "operator did not confirm it",
            "2:bad usage: unknown command, missing or invalid option or argument; a change not confirmed for want "
                    + "of a terminal (pass --force)",
            "3:the agent could not be reached (connection refused or timed out)"
        })
public final class StewardCli implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_REFUSED = 1;
    /** Picocli's own code for usage errors; kept so that every usage error, ours or picocli's, has the same one. */
    public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

    public static final int EXIT_UNREACHABLE = 3;

    static final String COMPLETION_COMMAND = "completion";

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String[] args) {
        CommandLine commandLine = commandLine();
        try {
            return commandLine.execute(args);
        } finally {
            // whatever a command printed without a line end must reach the terminal before the JVM exits
            commandLine.getOut().flush();
            commandLine.getErr().flush();
        }
    }

    /**
     * The whole command line: the core's commands, then every installed plugin's, then {@code completion}, last so
     * that the script it prints completes all of them.
     */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new StewardCli());
        for (EnginePlugin plugin : EngineRegistry.available()) {
            plugin.commands().forEach(commandLine::addSubcommand);
        }
        CommandLine completion = new CommandLine(new AutoComplete.GenerateCompletion());
        completion.getCommandSpec().name(COMPLETION_COMMAND);
        completion
                .getCommandSpec()
                .usageMessage()
                .hidden(false)
                .description("Prints a bash (and zsh) completion script for steward: "
                        + "source <(steward completion). The packages install it for bash-completion.");
        commandLine.addSubcommand(COMPLETION_COMMAND, completion);
        return commandLine;
    }

    /** Without a subcommand there is nothing to do: that is a usage error. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }

    /** The version in the jar's manifest, or "dev" when running from classes (an IDE, the tests). */
    static String version() {
        String version = StewardCli.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"steward " + version()};
        }
    }
}
