package io.steward.cli;

import io.steward.Agent;
import io.steward.config.ConfigLoader;
import io.steward.config.StewardConfig;
import io.steward.coordination.CoordinationException;
import io.steward.settings.ConfigException;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Runs the agent in the foreground until SIGTERM/SIGINT, then stops it gracefully. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run the agent in the foreground (as the systemd service does). SIGTERM hands a primary's "
                + "lease to the best replica before exiting.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "143:stopped by SIGTERM, after the graceful stop (128 + 15, the JVM's way)",
            "1:could not start (ZooKeeper unreachable, admin port taken, engine refused)",
            "2:invalid configuration (every problem is listed)"
        })
public final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        StewardConfig config;
        try {
            config = ConfigLoader.load(options.sources());
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return StewardCli.EXIT_USAGE;
        }
        Agent agent;
        try {
            agent = Agent.start(config, StewardCli.version());
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return StewardCli.EXIT_USAGE;
        } catch (CoordinationException | IOException | IllegalStateException e) {
            spec.commandLine().getErr().println("steward: could not start: " + e.getMessage());
            return StewardCli.EXIT_REFUSED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            agent.close();
                            stopped.countDown();
                        },
                        "graceful-stop"));
        stopped.await();
        return StewardCli.EXIT_OK;
    }
}
