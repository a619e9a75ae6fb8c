package io.steward.cli;

import java.io.Console;
import java.util.Locale;

/**
 * Asks the operator to confirm a change before it is sent, as patronictl does. {@code --force} answers yes, for
 * scripts; without it and without a terminal to ask on (a cron job, a pipe) the command refuses rather than guess.
 */
final class Confirmation {
    /** Where the question is asked. */
    interface Terminal {
        /** Whether someone can answer: standard input and output are a terminal. */
        boolean interactive();

        /** Prints the question and reads one line; null at the end of the input. */
        String ask(String question);
    }

    /** The process's own terminal. */
    static final Terminal SYSTEM = new Terminal() {
        @Override
        public boolean interactive() {
            return System.console() != null;
        }

        @Override
        public String ask(String question) {
            Console console = System.console();
            return console == null ? null : console.readLine("%s", question);
        }
    };

    /** The terminal the commands ask on; the in-process tests put one of their own here. */
    static volatile Terminal terminal = SYSTEM;

    private Confirmation() {}

    /**
     * Returns when the change may go ahead.
     *
     * @param question what is about to happen, as a yes/no question
     * @param force whether --force was given
     * @param what what the command does, for the message without a terminal ("restart pg2")
     * @throws ApiCommand.Stop exit code 2 without a terminal and without --force; exit code 1 when not confirmed
     */
    static void require(String question, boolean force, String what) {
        if (force) {
            return;
        }
        Terminal asking = terminal;
        if (!asking.interactive()) {
            throw new ApiCommand.Stop(
                    "not confirmed: there is no terminal to ask on; pass --force to " + what + " without asking",
                    StewardCli.EXIT_USAGE);
        }
        String answer = asking.ask(question + " [y/N] ");
        String said = answer == null ? "" : answer.strip().toLowerCase(Locale.ROOT);
        if (!said.equals("y") && !said.equals("yes")) {
            throw new ApiCommand.Stop("aborted: nothing changed", StewardCli.EXIT_REFUSED);
        }
    }
}
