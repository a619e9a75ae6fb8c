package io.steward.it.acceptance;

/** Reading {@code steward status} as a person does: by the member's row. */
final class StatusRows {
    private StatusRows() {}

    /** The line of {@code member} in a status table. */
    static String row(String status, String member) {
        return status.lines()
                .filter(line -> line.startsWith(member + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + member + " in:\n" + status));
    }
}
