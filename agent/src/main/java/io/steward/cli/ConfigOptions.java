package io.steward.cli;

import io.steward.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options that say where configuration comes from; a picocli mixin ({@code @Mixin ConfigOptions options}) for
 * every command that loads the configuration, so that they all read it the same way.
 */
public class ConfigOptions {
    public static final Path DEFAULT_CONFIG_FILE = Path.of("/etc/steward/steward.yml");

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "YAML configuration file (default: /etc/steward/steward.yml when it exists)")
    Path configFile;

    @Option(names = "--user-data", paramLabel = "FILE", description = "EC2 user data (the book's JSON) saved in a file")
    Path userDataFile;

    @Option(names = "--imds", description = "read EC2 user data from the instance metadata service")
    boolean userDataFromImds;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "override one setting, e.g. --set ha.loop_wait=2s; repeatable")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The sources for this process: its environment, and the default config file when it exists. */
    public ConfigLoader.Sources sources() {
        return sources(System.getenv(), DEFAULT_CONFIG_FILE);
    }

    /** @param defaultConfigFile used when {@code --config} is absent and this file exists */
    public ConfigLoader.Sources sources(Map<String, String> environment, Path defaultConfigFile) {
        refuseSecretsOnTheCommandLine();
        Optional<Path> config = Optional.ofNullable(configFile)
                .or(() -> Files.exists(defaultConfigFile) ? Optional.of(defaultConfigFile) : Optional.empty());
        return new ConfigLoader.Sources(
                config,
                Optional.ofNullable(userDataFile),
                userDataFromImds,
                environment,
                overrides == null ? Map.of() : overrides);
    }

    /** A secret given with {@code --set} shows in {@code ps} and {@code /proc/PID/cmdline} to every user of the machine. */
    private void refuseSecretsOnTheCommandLine() {
        for (String key : overrides.keySet()) {
            String name = key.toLowerCase(Locale.ROOT);
            if (name.endsWith("password") || name.endsWith("token")) {
                throw new ParameterException(
                        command.commandLine(),
                        "--set " + key + "=... is refused: a value on the "
                                + "command line shows in ps and /proc/PID/cmdline to every user of this machine; give it in "
                                + "the configuration file, as " + key
                                + "_file (a file readable by root alone), or in the "
                                + "environment as STEWARD_"
                                + key.toUpperCase(Locale.ROOT).replace('.', '_'));
            }
        }
    }
}
