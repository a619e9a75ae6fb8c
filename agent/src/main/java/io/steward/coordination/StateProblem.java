package io.steward.coordination;

import java.nio.charset.StandardCharsets;

/**
 * A znode of the cluster whose content Steward cannot trust: skipped or worked around, and reported (logged once,
 * shown in {@code GET /health} and {@code GET /cluster}) so that an operator can repair what wrote it.
 *
 * @param path the znode, relative to the cluster's path ({@code /members/pg1})
 * @param content what it holds, made printable and cut to {@value #SHOWN_CHARACTERS} characters
 * @param reason why it is not used as it is, and what is done instead
 */
public record StateProblem(String path, String content, String reason) {
    static final int SHOWN_CHARACTERS = 200;

    /** A problem with {@code data} shown as text: control characters escaped, long content cut. */
    public static StateProblem of(String path, byte[] data, String reason) {
        return new StateProblem(path, printable(data), reason);
    }

    /** The same znode and content, with another reason. */
    StateProblem because(String otherReason) {
        return new StateProblem(path, content, otherReason);
    }

    /**
     * The bytes as UTF-8 with every control character escaped ({@code \n}, {@code \x00}, {@code \u2028}), so that a
     * log line or a JSON answer shows exactly one line, cut to {@value #SHOWN_CHARACTERS} characters.
     */
    static String printable(byte[] data) {
        if (data == null) {
            return "(no data)";
        }
        String text = new String(data, StandardCharsets.UTF_8);
        StringBuilder shown = new StringBuilder();
        int characters = 0;
        for (int i = 0; i < text.length() && characters < SHOWN_CHARACTERS; i = text.offsetByCodePoints(i, 1)) {
            int c = text.codePointAt(i);
            if (c == '\\') {
                shown.append("\\\\");
            } else if (c < 0x20 || c == 0x7f) {
                shown.append(String.format("\\x%02x", c));
            } else if (Character.isISOControl(c)
                    || Character.getType(c) == Character.LINE_SEPARATOR
                    || Character.getType(c) == Character.PARAGRAPH_SEPARATOR
                    || Character.getType(c) == Character.FORMAT) {
                shown.append(String.format("\\u%04x", c));
            } else {
                shown.appendCodePoint(c);
            }
            characters++;
        }
        if (characters < text.codePointCount(0, text.length())) {
            shown.append("... (").append(data.length).append(" bytes)");
        }
        return shown.toString();
    }
}
