package io.steward.cli;

import java.util.List;

/**
 * Rows of text in columns, each as wide as its longest value (the header's included) and two spaces from the next,
 * so that no value pushes the columns after it out of line. The last column is not padded.
 */
final class TextTable {
    private static final int GAP = 2;

    private TextTable() {}

    /** Each row on a line of its own, every line ended; rows are as long as the first (the header). */
    static String render(List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(row[i]);
                if (i < columns - 1) {
                    line.append(" ".repeat(widths[i] - row[i].length() + GAP));
                }
            }
            text.append(line.toString().stripTrailing()).append('\n');
        }
        return text.toString();
    }
}
