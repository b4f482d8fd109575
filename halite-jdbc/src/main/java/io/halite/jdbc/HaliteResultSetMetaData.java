package io.halite.jdbc;

import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/**
 * Column names and types of a {@link HaliteResultSet}. Types follow {@link ColumnTypes} from the declared type the
 * server reports; for an expression without one, the storage class of its first non-null value in the result
 * ({@link Types#NULL} if every value is null). Table, schema and catalog names are not known ("").
 * {@link #getColumnClassName} is {@code java.lang.Integer} for integer columns unless one of this result's values
 * needs a {@code java.lang.Long}.
 */
public final class HaliteResultSetMetaData implements ResultSetMetaData {
    private final List<String> columns;
    private final List<String> types;
    private final List<Object[]> rows;

    HaliteResultSetMetaData(List<String> columns, List<String> types, List<Object[]> rows) {
        this.columns = columns;
        this.types = types;
        this.rows = rows;
    }

    /** The type name the server gave, or the storage class of the first non-null value for an untyped one. */
    private String typeOf(int column) throws SQLException {
        if (column < 1 || column > columns.size()) {
            throw new SQLException("column index " + column + " is out of range 1.." + columns.size(), "07009");
        }
        String type = types.get(column - 1);
        if (!type.isEmpty()) {
            return type;
        }
        for (Object[] row : rows) {
            Object v = row[column - 1];
            if (v instanceof Long) return "integer";
            if (v instanceof Double) return "real";
            if (v instanceof String) return "text";
            if (v instanceof byte[]) return "blob";
        }
        return "";
    }

    @Override
    public int getColumnCount() {
        return columns.size();
    }

    @Override
    public String getColumnLabel(int column) throws SQLException {
        typeOf(column);
        return columns.get(column - 1);
    }

    @Override
    public String getColumnName(int column) throws SQLException {
        return getColumnLabel(column);
    }

    @Override
    public int getColumnType(int column) throws SQLException {
        String type = typeOf(column);
        return type.isEmpty() ? Types.NULL : ColumnTypes.jdbcType(type);
    }

    @Override
    public String getColumnTypeName(int column) throws SQLException {
        String type = typeOf(column);
        return type.isEmpty() ? "NULL" : ColumnTypes.baseName(type);
    }

    @Override
    public String getColumnClassName(int column) throws SQLException {
        int type = getColumnType(column);
        if (type == Types.INTEGER || type == Types.BIGINT) {
            for (Object[] row : rows) {
                if (row[column - 1] instanceof Long l && l != l.intValue()) {
                    return Long.class.getName();
                }
            }
            return Integer.class.getName();
        }
        return switch (type) {
            case Types.VARCHAR -> String.class.getName();
            case Types.DOUBLE -> Double.class.getName();
            case Types.BLOB -> byte[].class.getName();
            default -> Object.class.getName(); // NUMERIC affinity keeps integers, reals or text; NULL has no class
        };
    }

    @Override
    public boolean isAutoIncrement(int column) throws SQLException {
        typeOf(column);
        return false;
    }

    @Override
    public boolean isCaseSensitive(int column) throws SQLException {
        return getColumnType(column) == Types.VARCHAR;
    }

    @Override
    public boolean isSearchable(int column) throws SQLException {
        typeOf(column);
        return true;
    }

    @Override
    public boolean isCurrency(int column) throws SQLException {
        typeOf(column);
        return false;
    }

    @Override
    public int isNullable(int column) throws SQLException {
        typeOf(column);
        return columnNullableUnknown;
    }

    @Override
    public boolean isSigned(int column) throws SQLException {
        int type = getColumnType(column);
        return type == Types.INTEGER || type == Types.BIGINT || type == Types.DOUBLE || type == Types.NUMERIC;
    }

    /** Not known: the server does not send column sizes. */
    @Override
    public int getColumnDisplaySize(int column) throws SQLException {
        typeOf(column);
        return 0;
    }

    @Override
    public int getPrecision(int column) throws SQLException {
        typeOf(column);
        return 0;
    }

    @Override
    public int getScale(int column) throws SQLException {
        typeOf(column);
        return 0;
    }

    @Override
    public String getSchemaName(int column) throws SQLException {
        typeOf(column);
        return "";
    }

    @Override
    public String getTableName(int column) throws SQLException {
        typeOf(column);
        return "";
    }

    @Override
    public String getCatalogName(int column) throws SQLException {
        typeOf(column);
        return "";
    }

    @Override
    public boolean isReadOnly(int column) throws SQLException {
        typeOf(column);
        return false;
    }

    @Override
    public boolean isWritable(int column) throws SQLException {
        typeOf(column);
        return false;
    }

    @Override
    public boolean isDefinitelyWritable(int column) throws SQLException {
        typeOf(column);
        return false;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return Wrapping.unwrap(this, iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
