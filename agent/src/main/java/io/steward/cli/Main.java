package io.steward.cli;

/**
 * The {@code steward} command's entry point. A plugin whose commands the database runs for every file it archives
 * may have a faster entry point of its own, which the launcher ({@code packaging/bin/steward}) uses for those
 * commands.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(StewardCli.execute(args));
    }
}
