package io.halite.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLType;
import java.sql.SQLXML;
import java.sql.Time;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Calendar;

/**
 * A statement with {@code ?} parameters, bound by position from 1. The statement is only sent (with its values)
 * when executed; the server prepares it. Values are sent as SQLite storage classes, as {@link Values} describes:
 * booleans as 1/0, decimals as INTEGER, REAL or TEXT (whichever keeps every digit), dates and times as ISO-8601
 * text, UUIDs as text, streams and LOBs read whole. Numbered and named parameters ({@code ?1}, {@code :name})
 * are refused with {@link SQLFeatureNotSupportedException} when the statement is prepared.
 */
public final class HalitePreparedStatement extends HaliteStatement implements PreparedStatement {
    /** Marks a parameter that has not been set (null is a value). */
    private static final Object UNSET = new Object();

    private final String sql;
    private final SqlText text;
    private final Object[] values;

    /** @param keyColumns the generated key columns to return, or null for the rowid */
    HalitePreparedStatement(HaliteConnection connection, String sql, GeneratedKeys.Columns keyColumns)
            throws SQLException {
        super(connection, keyColumns);
        this.sql = sql;
        this.text = scanNonEmpty(sql);
        this.values = new Object[text.parameters()];
        Arrays.fill(values, UNSET);
    }

    private void set(int index, Object wireValue) throws SQLException {
        checkOpen();
        if (index < 1 || index > values.length) {
            throw new SQLException("parameter index " + index + " is out of range: the statement has "
                    + values.length + " parameter(s)", "07009");
        }
        values[index - 1] = wireValue;
    }

    private Wire.Sql bound() throws SQLException {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == UNSET) {
                throw new SQLException("parameter " + (i + 1) + " is not set", "07001");
            }
        }
        return new Wire.Sql(sql, Arrays.asList(values.clone())); // values may be null: not List.of
    }

    private static ZoneId zone(Calendar cal) {
        return cal == null ? ZoneId.systemDefault() : cal.getTimeZone().toZoneId();
    }

    // ------------------------------------------------------------------ executing

    @Override
    public ResultSet executeQuery() throws SQLException {
        run(bound(), text, Expect.ROWS, preparedKeyColumns);
        return getResultSet();
    }

    @Override
    public int executeUpdate() throws SQLException {
        return (int) Math.min(Integer.MAX_VALUE, executeLargeUpdate());
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        run(bound(), text, Expect.COUNT, preparedKeyColumns);
        return getLargeUpdateCount();
    }

    @Override
    public boolean execute() throws SQLException {
        return run(bound(), text, Expect.ANY, preparedKeyColumns);
    }

    @Override
    public void addBatch() throws SQLException {
        addToBatch(bound(), text);
    }

    @Override
    public void clearParameters() throws SQLException {
        checkOpen();
        Arrays.fill(values, UNSET);
    }

    /** The current result's metadata; null before the statement has returned rows. */
    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        ResultSet rs = getResultSet();
        return rs == null ? null : rs.getMetaData();
    }

    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        checkOpen();
        return new HaliteParameterMetaData(values.length);
    }

    @Override
    SqlText given(String sql) throws SQLException {
        throw new SQLException("a PreparedStatement runs its own SQL: call the method without a SQL argument",
                "HY000");
    }

    // ------------------------------------------------------------------ setters

    @Override
    public void setNull(int parameterIndex, int sqlType) throws SQLException {
        set(parameterIndex, null);
    }

    @Override
    public void setNull(int parameterIndex, int sqlType, String typeName) throws SQLException {
        set(parameterIndex, null);
    }

    @Override
    public void setBoolean(int parameterIndex, boolean x) throws SQLException {
        set(parameterIndex, x ? 1L : 0L);
    }

    @Override
    public void setByte(int parameterIndex, byte x) throws SQLException {
        set(parameterIndex, (long) x);
    }

    @Override
    public void setShort(int parameterIndex, short x) throws SQLException {
        set(parameterIndex, (long) x);
    }

    @Override
    public void setInt(int parameterIndex, int x) throws SQLException {
        set(parameterIndex, (long) x);
    }

    @Override
    public void setLong(int parameterIndex, long x) throws SQLException {
        set(parameterIndex, x);
    }

    /** As the double closest to the float's decimal form: 0.1f is stored as 0.1, not 0.10000000149011612. */
    @Override
    public void setFloat(int parameterIndex, float x) throws SQLException {
        set(parameterIndex, Double.parseDouble(Float.toString(x)));
    }

    @Override
    public void setDouble(int parameterIndex, double x) throws SQLException {
        set(parameterIndex, x);
    }

    @Override
    public void setBigDecimal(int parameterIndex, BigDecimal x) throws SQLException {
        set(parameterIndex, x == null ? null : Values.decimal(x));
    }

    @Override
    public void setString(int parameterIndex, String x) throws SQLException {
        set(parameterIndex, x);
    }

    @Override
    public void setNString(int parameterIndex, String value) throws SQLException {
        set(parameterIndex, value);
    }

    @Override
    public void setBytes(int parameterIndex, byte[] x) throws SQLException {
        set(parameterIndex, x == null ? null : x.clone());
    }

    @Override
    public void setDate(int parameterIndex, Date x) throws SQLException {
        set(parameterIndex, Values.toWire(x));
    }

    @Override
    public void setDate(int parameterIndex, Date x, Calendar cal) throws SQLException {
        set(parameterIndex, x == null ? null
                : LocalDate.ofInstant(Instant.ofEpochMilli(x.getTime()), zone(cal)).toString());
    }

    @Override
    public void setTime(int parameterIndex, Time x) throws SQLException {
        set(parameterIndex, Values.toWire(x));
    }

    @Override
    public void setTime(int parameterIndex, Time x, Calendar cal) throws SQLException {
        set(parameterIndex, x == null ? null
                : Values.time(LocalTime.ofInstant(Instant.ofEpochMilli(x.getTime()), zone(cal))));
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x) throws SQLException {
        set(parameterIndex, Values.toWire(x));
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x, Calendar cal) throws SQLException {
        set(parameterIndex, x == null ? null : Values.dateTime(LocalDateTime.ofInstant(x.toInstant(), zone(cal))));
    }

    @Override
    public void setObject(int parameterIndex, Object x) throws SQLException {
        set(parameterIndex, Values.toWire(x));
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType) throws SQLException {
        set(parameterIndex, Values.coerce(Values.toWire(x), targetSqlType));
    }

    /** The scale rounds decimals (DECIMAL, NUMERIC targets); it is ignored otherwise. */
    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType, int scaleOrLength) throws SQLException {
        Object value = x;
        if (x instanceof BigDecimal d && (targetSqlType == java.sql.Types.DECIMAL
                || targetSqlType == java.sql.Types.NUMERIC)) {
            value = d.setScale(scaleOrLength, java.math.RoundingMode.HALF_UP);
        }
        setObject(parameterIndex, value, targetSqlType);
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType) throws SQLException {
        setObject(parameterIndex, x, vendorType(targetSqlType));
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType, int scaleOrLength)
            throws SQLException {
        setObject(parameterIndex, x, vendorType(targetSqlType), scaleOrLength);
    }

    private static int vendorType(SQLType type) throws SQLException {
        if (type == null || type.getVendorTypeNumber() == null) {
            throw new SQLFeatureNotSupportedException("SQL type " + type + " is not a java.sql.JDBCType");
        }
        return type.getVendorTypeNumber();
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x) throws SQLException {
        set(parameterIndex, readBytes(x, Long.MAX_VALUE));
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, int length) throws SQLException {
        set(parameterIndex, readBytes(x, length));
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, long length) throws SQLException {
        set(parameterIndex, readBytes(x, length));
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x) throws SQLException {
        setAsciiStream(parameterIndex, x, Long.MAX_VALUE);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, int length) throws SQLException {
        setAsciiStream(parameterIndex, x, (long) length);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, long length) throws SQLException {
        byte[] bytes = readBytes(x, length);
        set(parameterIndex, bytes == null ? null : new String(bytes, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Override
    @Deprecated
    public void setUnicodeStream(int parameterIndex, InputStream x, int length) throws SQLException {
        throw new SQLFeatureNotSupportedException("setUnicodeStream is deprecated: use setCharacterStream");
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader) throws SQLException {
        set(parameterIndex, readText(reader, Long.MAX_VALUE));
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader, int length) throws SQLException {
        set(parameterIndex, readText(reader, length));
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader, long length) throws SQLException {
        set(parameterIndex, readText(reader, length));
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader value) throws SQLException {
        setCharacterStream(parameterIndex, value);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader value, long length) throws SQLException {
        setCharacterStream(parameterIndex, value, length);
    }

    @Override
    public void setBlob(int parameterIndex, Blob x) throws SQLException {
        set(parameterIndex, Values.toWire(x));
    }

    @Override
    public void setBlob(int parameterIndex, InputStream inputStream) throws SQLException {
        setBinaryStream(parameterIndex, inputStream);
    }

    @Override
    public void setBlob(int parameterIndex, InputStream inputStream, long length) throws SQLException {
        setBinaryStream(parameterIndex, inputStream, length);
    }

    @Override
    public void setClob(int parameterIndex, Clob x) throws SQLException {
        set(parameterIndex, Values.toWire(x));
    }

    @Override
    public void setClob(int parameterIndex, Reader reader) throws SQLException {
        setCharacterStream(parameterIndex, reader);
    }

    @Override
    public void setClob(int parameterIndex, Reader reader, long length) throws SQLException {
        setCharacterStream(parameterIndex, reader, length);
    }

    @Override
    public void setNClob(int parameterIndex, NClob value) throws SQLException {
        setClob(parameterIndex, value);
    }

    @Override
    public void setNClob(int parameterIndex, Reader reader) throws SQLException {
        setCharacterStream(parameterIndex, reader);
    }

    @Override
    public void setNClob(int parameterIndex, Reader reader, long length) throws SQLException {
        setCharacterStream(parameterIndex, reader, length);
    }

    @Override
    public void setURL(int parameterIndex, URL x) throws SQLException {
        set(parameterIndex, x == null ? null : x.toString());
    }

    @Override
    public void setRef(int parameterIndex, Ref x) throws SQLException {
        throw new SQLFeatureNotSupportedException("SQLite has no REF type");
    }

    @Override
    public void setArray(int parameterIndex, Array x) throws SQLException {
        throw new SQLFeatureNotSupportedException("SQLite has no array type");
    }

    @Override
    public void setRowId(int parameterIndex, RowId x) throws SQLException {
        throw new SQLFeatureNotSupportedException("setRowId: bind the rowid as a long");
    }

    @Override
    public void setSQLXML(int parameterIndex, SQLXML xmlObject) throws SQLException {
        throw new SQLFeatureNotSupportedException("SQLite has no XML type");
    }

    /** Reads up to {@code length} bytes (a JDBC length bounds what is read); null for a null stream. */
    private static byte[] readBytes(InputStream in, long length) throws SQLException {
        if (in == null) {
            return null;
        }
        try {
            return in.readNBytes((int) Math.min(length, Integer.MAX_VALUE - 8));
        } catch (IOException e) {
            throw new SQLException("reading the parameter's stream failed: " + e.getMessage(), "HY000", e);
        }
    }

    private static String readText(Reader reader, long length) throws SQLException {
        if (reader == null) {
            return null;
        }
        StringWriter out = new StringWriter();
        char[] buffer = new char[8192];
        long left = length;
        try {
            int n;
            while (left > 0 && (n = reader.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
                out.write(buffer, 0, n);
                left -= n;
            }
        } catch (IOException e) {
            throw new SQLException("reading the parameter's reader failed: " + e.getMessage(), "HY000", e);
        }
        return out.toString();
    }
}
