package dev.omega.sessionserver.console;

import javax.swing.table.AbstractTableModel;

/** A table model whose columns are fixed names; the subclass gives the rows. Event thread only. */
abstract class ColumnsTableModel extends AbstractTableModel {

    private static final long serialVersionUID = 1L;

    private final String[] columns;

    ColumnsTableModel(String... columns) {
        this.columns = columns.clone();
    }

    @Override
    public final int getColumnCount() {
        return columns.length;
    }

    @Override
    public final String getColumnName(int column) {
        return columns[column];
    }
}
