package io.steward.postgres;

/** PostgreSQL's text form of a WAL position ({@code 16/B374D848}) and the byte offset the agent uses. */
final class Lsn {
    private Lsn() {}

    /** The byte offset of {@code text}, or -1 when it is not an LSN. */
    static long parse(String text) {
        if (text == null || !text.matches("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}")) {
            return -1;
        }
        String[] halves = text.split("/");
        return (Long.parseLong(halves[0], 16) << 32) | Long.parseLong(halves[1], 16);
    }

    static String format(long position) {
        return String.format("%X/%X", position >>> 32, position & 0xFFFFFFFFL);
    }
}
