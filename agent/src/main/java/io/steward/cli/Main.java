package io.steward.cli;

import java.util.Optional;

/**
 * The {@code steward} command's entry point. {@code wal-push} and {@code wal-fetch}, which PostgreSQL runs for every
 * segment, first try the running agent over its socket with nothing but JDK classes loaded; everything else, and
 * those two when no agent listens, goes to the full command line ({@link StewardCli}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Optional<Integer> byAgent = WalSocketClient.tryAgent(args, System.getenv(), System.out, System.err);
        System.exit(byAgent.isPresent() ? byAgent.get() : StewardCli.execute(args));
    }
}
