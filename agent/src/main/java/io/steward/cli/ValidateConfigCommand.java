package io.steward.cli;

import io.steward.config.ConfigLoader;
import io.steward.config.StewardConfig;
import io.steward.settings.ConfigException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Loads and validates the whole configuration, including the engine's section, without touching anything. */
@Command(
        name = "validate-config",
        mixinStandardHelpOptions = true,
        description = "Check the configuration from all sources; exit 0 when valid, 2 listing every problem when not.")
public class ValidateConfigCommand implements Callable<Integer> {
    public static final int INVALID = 2;

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    private final Map<String, String> environment;
    private final Path defaultConfigFile;

    public ValidateConfigCommand() {
        this(System.getenv(), ConfigOptions.DEFAULT_CONFIG_FILE);
    }

    /** For tests: a given environment and default config file instead of the process's. */
    ValidateConfigCommand(Map<String, String> environment, Path defaultConfigFile) {
        this.environment = environment;
        this.defaultConfigFile = defaultConfigFile;
    }

    @Override
    public Integer call() {
        try {
            StewardConfig config = ConfigLoader.load(options.sources(environment, defaultConfigFile));
            spec.commandLine()
                    .getOut()
                    .println("configuration OK: cluster " + config.cluster() + ", node "
                            + config.node().name() + ", engine "
                            + config.engine().type());
            return 0;
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return INVALID;
        }
    }
}
