package io.steward.cli;

import io.steward.Agent;
import io.steward.config.ConfigLoader;
import io.steward.config.StewardConfig;
import io.steward.coordination.CoordinationException;
import io.steward.settings.ConfigException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * Runs the agent in the foreground until SIGTERM/SIGINT, then stops it gracefully and exits 0. The signals are
 * handled here rather than by the JVM's shutdown, which would end with 128 + the signal whatever the stop did.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run the agent in the foreground (as the systemd service does). SIGTERM hands a primary's "
                + "lease to the best replica, then stops the database server (unless node.stop_server_on_exit is "
                + "false on a replica) before exiting.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped by SIGTERM or SIGINT, after the graceful stop",
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
        CountDownLatch stopRequested = new CountDownLatch(1);
        for (String name : List.of("TERM", "INT")) {
            Signal.handle(new Signal(name), signal -> stopRequested.countDown());
        }
        // any other end of the JVM (SIGHUP, say) still stops gracefully, with the JVM's own exit code
        Thread onShutdown = new Thread(agent::close, "graceful-stop");
        Runtime.getRuntime().addShutdownHook(onShutdown);
        stopRequested.await();
        try {
            Runtime.getRuntime().removeShutdownHook(onShutdown);
        } catch (IllegalStateException e) {
            return StewardCli.EXIT_OK; // the JVM is ending already, and its hook stops the agent
        }
        agent.close();
        return StewardCli.EXIT_OK;
    }
}
