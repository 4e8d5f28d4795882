package io.turnout.admin.dashboard;

import java.util.ArrayList;
import java.util.List;

/**
 * Columns of text padded to line up, as {@code kubectl get} prints them: a header row in capitals,
 * two spaces between columns, no trailing blanks.
 */
final class TextTable {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    TextTable(String... header) {
        this.columns = header.length;
        rows.add(header);
    }

    TextTable row(String... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("expected " + columns + " cells, got " + cells.length);
        }
        String[] shown = new String[cells.length];
        for (int c = 0; c < cells.length; c++) {
            shown[c] = printable(cells[c]);
        }
        rows.add(shown);
        return this;
    }

    /** A cell goes to a terminal: C0 and C1 controls (escape sequences) become {@code ?}. */
    private static String printable(String cell) {
        StringBuilder b = new StringBuilder(cell.length());
        for (int i = 0; i < cell.length(); i++) {
            char ch = cell.charAt(i);
            b.append(ch < 0x20 || (ch >= 0x7f && ch < 0xa0) ? '?' : ch);
        }
        return b.toString();
    }

    String render() {
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(row[c]);
                if (c < columns - 1) {
                    line.append(" ".repeat(width[c] - row[c].length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
