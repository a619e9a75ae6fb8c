package io.steward.cli;

import picocli.CommandLine.Option;

/** A command that changes something an operator should see coming: it asks first ({@link Confirmation}). */
abstract class ConfirmedCommand extends ApiCommand {
    @Option(
            names = {"-f", "--force"},
            description = "Do not ask for confirmation (for scripts). Without it, the command asks on the terminal, "
                    + "and refuses (exit code 2) when there is none.")
    boolean force;

    /** Returns when the operator confirmed {@code question} (or gave --force); {@code what} names the change. */
    void confirm(String question, String what) {
        Confirmation.require(question, force, what);
    }
}
