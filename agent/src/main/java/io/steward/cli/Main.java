package io.steward.cli;

/**
 * The {@code steward} command's entry point. A plugin whose commands the database runs for every file it archives
 * may have a faster entry point of its own, which the launcher ({@code packaging/bin/steward}) uses for those
 * commands.
 */
public final class Main {
    /** The root log level, as logback.xml reads it: a system property, else the environment variable. */
    static final String LOG_LEVEL = "STEWARD_LOG_LEVEL";

    private Main() {}

    public static void main(String[] args) {
        quietUnlessTheAgent(args);
        System.exit(StewardCli.execute(args));
    }

    /**
     * The agent logs each decision at INFO, for the journal. A command an operator runs prints its own answer, and the
     * INFO lines of the classes it uses (a restore's steps, the AWS and ZooKeeper clients) would only be interleaved
     * with it: such a command logs warnings and errors alone, unless {@value #LOG_LEVEL} says otherwise. Set before
     * anything logs, since logback reads its configuration once.
     */
    static void quietUnlessTheAgent(String[] args) {
        boolean agent = args.length > 0 && args[0].equals("run");
        if (!agent && System.getenv(LOG_LEVEL) == null && System.getProperty(LOG_LEVEL) == null) {
            System.setProperty(LOG_LEVEL, "WARN");
        }
    }
}
