package io.steward.postgres.wal;

import io.steward.cli.StewardCli;
import java.util.Optional;

/**
 * The entry point of {@code wal-push} and {@code wal-fetch}, which PostgreSQL runs for every segment: the launcher
 * ({@code packaging/bin/steward}) starts the JVM here for those two. The request first goes to the running agent
 * over its socket with nothing but JDK classes and the client's own loaded; when no agent takes it, the whole command
 * line runs it in this process.
 */
public final class WalCommandMain {
    private WalCommandMain() {}

    public static void main(String[] args) {
        Optional<Integer> byAgent = WalSocketClient.tryAgent(args, System.getenv(), System.out, System.err);
        System.exit(byAgent.isPresent() ? byAgent.get() : StewardCli.execute(args));
    }
}
