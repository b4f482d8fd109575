package io.halite.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.RowIdLifetime;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the server's SQLite supports, and its schema. The product name is {@code SQLite} (tools such as Flyway
 * choose their SQLite support by it) and the version is the server's {@code sqlite_version()}.
 *
 * <p>Schema methods read {@code sqlite_schema} and the pragma table-valued functions, with the standard JDBC
 * columns: {@link #getTables}, {@link #getColumns}, {@link #getPrimaryKeys}, {@link #getIndexInfo},
 * {@link #getImportedKeys}, {@link #getExportedKeys}, {@link #getCrossReference}, {@link #getSchemas},
 * {@link #getCatalogs} (both empty: SQLite has one unnamed catalog and schema here), {@link #getTableTypes}. The
 * catalog and schema arguments are ignored; name patterns use {@code %}, {@code _} and the escape {@code \}, and
 * match case-insensitively as SQLite names do. Tables named {@code sqlite_*} are SYSTEM TABLEs. Column types follow {@link ColumnTypes}; {@link #getTypeInfo} lists SQLite's five type
 * affinities. Key and index names SQLite does not report are null, and foreign keys are reported as not deferrable
 * (the pragmas do not say). What SQLite has none of (procedures, stored functions, user-defined types, privileges,
 * client info properties) is an empty result; the rest (best row identifier, version and pseudo columns, super
 * types and tables, attributes) throws {@link SQLFeatureNotSupportedException}.
 */
public final class HaliteDatabaseMetaData implements DatabaseMetaData {
    private static final Pattern WITHOUT_ROWID = Pattern.compile("(?i)\\bWITHOUT\\s+ROWID\\b");

    private final HaliteConnection connection;
    private String productVersion;

    HaliteDatabaseMetaData(HaliteConnection connection) {
        this.connection = connection;
    }

    // ------------------------------------------------------------------ helpers

    /** Runs a read for metadata and returns its rows. */
    private List<Object[]> rows(String sql, Object... params) throws SQLException {
        Wire.Response response = connection.execute(List.of(new Wire.Sql(sql, Arrays.asList(params))), false, true,
                connection.timeout(0));
        Wire.Result result = response.results().get(0);
        if (result.error() != null) {
            throw HaliteStatement.statementError(result);
        }
        return result.rows();
    }

    /**
     * A driver-built result set. {@code spec} lists the columns as {@code "NAME type, ..."} with SQLite types
     * ({@code text}, {@code integer}, {@code smallint}, {@code boolean} for 1/0).
     */
    private static ResultSet result(String spec, List<Object[]> rows) {
        List<String> names = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (String column : spec.split(",")) {
            String[] parts = column.trim().split(" ");
            names.add(parts[0]);
            types.add(parts[1]);
        }
        return new HaliteResultSet(null, names, types, rows);
    }

    /** A JDBC name pattern as a LIKE pattern: null matches everything. */
    private static String like(String pattern) {
        return pattern == null ? "%" : pattern;
    }

    private static boolean isSystemTable(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.startsWith("sqlite_");
    }

    private static long rule(Object action) {
        return switch (String.valueOf(action).toUpperCase(Locale.ROOT)) {
            case "CASCADE" -> importedKeyCascade;
            case "RESTRICT" -> importedKeyRestrict;
            case "SET NULL" -> importedKeySetNull;
            case "SET DEFAULT" -> importedKeySetDefault;
            default -> importedKeyNoAction;
        };
    }

    // ------------------------------------------------------------------ schema

    @Override
    public ResultSet getTables(String catalog, String schemaPattern, String tableNamePattern, String[] types)
            throws SQLException {
        List<String> wanted = types == null ? null : Arrays.asList(types);
        List<Object[]> rows = new ArrayList<>();
        for (Object[] r : rows("SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') "
                + "AND name LIKE ? ESCAPE '\\'", like(tableNamePattern))) {
            String name = (String) r[0];
            String type = isSystemTable(name) ? "SYSTEM TABLE" : ((String) r[1]).toUpperCase(Locale.ROOT);
            if (wanted == null || wanted.contains(type)) {
                rows.add(new Object[] {null, null, name, type, null, null, null, null, null, null});
            }
        }
        rows.sort(Comparator.comparing((Object[] r) -> (String) r[3]).thenComparing(r -> (String) r[2]));
        return result("TABLE_CAT text, TABLE_SCHEM text, TABLE_NAME text, TABLE_TYPE text, REMARKS text, "
                + "TYPE_CAT text, TYPE_SCHEM text, TYPE_NAME text, SELF_REFERENCING_COL_NAME text, "
                + "REF_GENERATION text", rows);
    }

    @Override
    public ResultSet getColumns(String catalog, String schemaPattern, String tableNamePattern,
                                String columnNamePattern) throws SQLException {
        List<Object[]> rows = new ArrayList<>();
        // hidden: 0 a normal column, 1 a virtual table's hidden column (not listed), 2 and 3 generated columns.
        for (Object[] r : rows("SELECT m.name, m.type, m.sql, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, "
                + "p.pk, p.hidden, (SELECT count(*) FROM pragma_table_info(m.name) WHERE pk > 0) "
                + "FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p "
                + "WHERE m.type IN ('table', 'view') AND m.name LIKE ? ESCAPE '\\' AND p.name LIKE ? ESCAPE '\\' "
                + "AND p.hidden IN (0, 2, 3) ORDER BY m.name, p.cid", like(tableNamePattern), like(columnNamePattern))) {
            String declared = (String) r[5];
            boolean rowidAlias = "table".equals(r[1]) && declared.equalsIgnoreCase("INTEGER")
                    && (Long) r[8] == 1 && (Long) r[10] == 1 && !WITHOUT_ROWID.matcher(String.valueOf(r[2])).find();
            boolean notNull = (Long) r[6] != 0 || rowidAlias;
            Integer[] size = ColumnTypes.sizeAndDigits(declared);
            rows.add(new Object[] {
                null, null, r[0], r[4],
                (long) (declared.isEmpty() ? Types.BLOB : ColumnTypes.jdbcType(declared)),
                ColumnTypes.baseName(declared),
                size[0] == null ? null : (long) size[0], null,
                size[1] == null ? null : (long) size[1], 10L,
                (long) (notNull ? columnNoNulls : columnNullable), null, r[7], null, null, null,
                (Long) r[3] + 1, notNull ? "NO" : "YES", null, null, null, null,
                rowidAlias ? "YES" : "NO", (Long) r[9] >= 2 ? "YES" : "NO"});
        }
        return result("TABLE_CAT text, TABLE_SCHEM text, TABLE_NAME text, COLUMN_NAME text, DATA_TYPE integer, "
                + "TYPE_NAME text, COLUMN_SIZE integer, BUFFER_LENGTH integer, DECIMAL_DIGITS integer, "
                + "NUM_PREC_RADIX integer, NULLABLE integer, REMARKS text, COLUMN_DEF text, SQL_DATA_TYPE integer, "
                + "SQL_DATETIME_SUB integer, CHAR_OCTET_LENGTH integer, ORDINAL_POSITION integer, IS_NULLABLE text, "
                + "SCOPE_CATALOG text, SCOPE_SCHEMA text, SCOPE_TABLE text, SOURCE_DATA_TYPE smallint, "
                + "IS_AUTOINCREMENT text, IS_GENERATEDCOLUMN text", rows);
    }

    @Override
    public ResultSet getPrimaryKeys(String catalog, String schema, String table) throws SQLException {
        List<Object[]> rows = new ArrayList<>();
        for (Object[] r : rows("SELECT name, pk FROM pragma_table_info(?) WHERE pk > 0 ORDER BY name", table)) {
            rows.add(new Object[] {null, null, table, r[0], r[1], null});
        }
        return result("TABLE_CAT text, TABLE_SCHEM text, TABLE_NAME text, COLUMN_NAME text, KEY_SEQ smallint, "
                + "PK_NAME text", rows);
    }

    @Override
    public ResultSet getIndexInfo(String catalog, String schema, String table, boolean unique, boolean approximate)
            throws SQLException {
        List<Object[]> rows = new ArrayList<>();
        for (Object[] r : rows("SELECT l.name, l.\"unique\", x.seqno, x.name, x.\"desc\" "
                + "FROM pragma_index_list(?) l JOIN pragma_index_xinfo(l.name) x "
                + "WHERE x.key = 1 AND (l.\"unique\" = 1 OR ? = 0) ORDER BY l.\"unique\" DESC, l.name, x.seqno",
                table, unique ? 1L : 0L)) {
            rows.add(new Object[] {null, null, table, (Long) r[1] == 0 ? 1L : 0L, null, r[0],
                (long) tableIndexOther, (Long) r[2] + 1, r[3], (Long) r[4] == 0 ? "A" : "D", null, null, null});
        }
        return result("TABLE_CAT text, TABLE_SCHEM text, TABLE_NAME text, NON_UNIQUE integer, "
                + "INDEX_QUALIFIER text, INDEX_NAME text, TYPE smallint, ORDINAL_POSITION smallint, "
                + "COLUMN_NAME text, ASC_OR_DESC text, CARDINALITY bigint, PAGES bigint, FILTER_CONDITION text",
                rows);
    }

    @Override
    public ResultSet getImportedKeys(String catalog, String schema, String table) throws SQLException {
        return foreignKeys("m.name = ? COLLATE NOCASE", "f.\"table\", f.id, f.seq", table);
    }

    @Override
    public ResultSet getExportedKeys(String catalog, String schema, String table) throws SQLException {
        return foreignKeys("f.\"table\" = ? COLLATE NOCASE", "m.name, f.id, f.seq", table);
    }

    @Override
    public ResultSet getCrossReference(String parentCatalog, String parentSchema, String parentTable,
                                       String foreignCatalog, String foreignSchema, String foreignTable)
            throws SQLException {
        return foreignKeys("f.\"table\" = ? COLLATE NOCASE AND m.name = ? COLLATE NOCASE", "m.name, f.id, f.seq",
                parentTable, foreignTable);
    }

    /** Foreign keys of every table matching {@code filter}; a key naming no columns refers to the primary key. */
    private ResultSet foreignKeys(String filter, String order, Object... params) throws SQLException {
        List<Object[]> rows = new ArrayList<>();
        for (Object[] r : rows("SELECT f.\"table\", coalesce(f.\"to\", (SELECT p.name FROM pragma_table_info(f.\"table\") p "
                + "WHERE p.pk = f.seq + 1)), m.name, f.\"from\", f.seq, f.on_update, f.on_delete "
                + "FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f "
                + "WHERE m.type = 'table' AND " + filter + " ORDER BY " + order, params)) {
            rows.add(new Object[] {null, null, r[0], r[1], null, null, r[2], r[3], (Long) r[4] + 1, rule(r[5]),
                rule(r[6]), null, null, (long) importedKeyNotDeferrable});
        }
        return result("PKTABLE_CAT text, PKTABLE_SCHEM text, PKTABLE_NAME text, PKCOLUMN_NAME text, "
                + "FKTABLE_CAT text, FKTABLE_SCHEM text, FKTABLE_NAME text, FKCOLUMN_NAME text, KEY_SEQ smallint, "
                + "UPDATE_RULE smallint, DELETE_RULE smallint, FK_NAME text, PK_NAME text, DEFERRABILITY smallint",
                rows);
    }

    @Override
    public ResultSet getSchemas() {
        return result("TABLE_SCHEM text, TABLE_CATALOG text", List.of());
    }

    @Override
    public ResultSet getSchemas(String catalog, String schemaPattern) {
        return getSchemas();
    }

    @Override
    public ResultSet getCatalogs() {
        return result("TABLE_CAT text", List.of());
    }

    @Override
    public ResultSet getTableTypes() {
        return result("TABLE_TYPE text", List.of(new Object[] {"SYSTEM TABLE"}, new Object[] {"TABLE"},
                new Object[] {"VIEW"}));
    }

    /**
     * SQLite's types as its five type affinities, each with the JDBC type {@link ColumnTypes} gives a column
     * declared so. Other names are accepted in a column definition and take one of these affinities.
     */
    @Override
    public ResultSet getTypeInfo() {
        List<Object[]> rows = new ArrayList<>();
        // In DATA_TYPE order, as JDBC asks: NUMERIC, INTEGER, DOUBLE, VARCHAR, BLOB.
        for (String name : List.of("NUMERIC", "INTEGER", "REAL", "TEXT", "BLOB")) {
            boolean numeric = !name.equals("TEXT") && !name.equals("BLOB");
            boolean text = name.equals("TEXT");
            Long precision = switch (name) {
                case "INTEGER" -> 19L;             // 64-bit signed
                case "REAL", "NUMERIC" -> 15L;     // the decimal digits a double keeps
                default -> 1_000_000_000L;         // SQLITE_MAX_LENGTH, the default limit of a string or blob
            };
            String literalPrefix = text ? "'" : name.equals("BLOB") ? "X'" : null;
            rows.add(new Object[] {name, (long) ColumnTypes.jdbcType(name), precision, literalPrefix,
                literalPrefix == null ? null : "'", null, (long) typeNullable, text ? 1L : 0L,
                (long) (name.equals("BLOB") ? typePredBasic : typeSearchable), 0L, 0L,
                name.equals("INTEGER") ? 1L : 0L, null, 0L, 0L, null, null, numeric ? 10L : null});
        }
        return result("TYPE_NAME text, DATA_TYPE integer, PRECISION integer, LITERAL_PREFIX text, LITERAL_SUFFIX text, "
                + "CREATE_PARAMS text, NULLABLE smallint, CASE_SENSITIVE boolean, SEARCHABLE smallint, "
                + "UNSIGNED_ATTRIBUTE boolean, FIXED_PREC_SCALE boolean, AUTO_INCREMENT boolean, "
                + "LOCAL_TYPE_NAME text, MINIMUM_SCALE smallint, MAXIMUM_SCALE smallint, SQL_DATA_TYPE integer, "
                + "SQL_DATETIME_SUB integer, NUM_PREC_RADIX integer", rows);
    }

    // ------------------------------------------------------------------ what SQLite has none of: empty answers

    @Override
    public ResultSet getProcedures(String catalog, String schemaPattern, String procedureNamePattern) {
        return result("PROCEDURE_CAT text, PROCEDURE_SCHEM text, PROCEDURE_NAME text, RESERVED1 text, "
                + "RESERVED2 text, RESERVED3 text, REMARKS text, PROCEDURE_TYPE smallint, SPECIFIC_NAME text",
                List.of());
    }

    @Override
    public ResultSet getProcedureColumns(String catalog, String schemaPattern, String procedureNamePattern,
                                         String columnNamePattern) {
        return result("PROCEDURE_CAT text, PROCEDURE_SCHEM text, PROCEDURE_NAME text, COLUMN_NAME text, "
                + "COLUMN_TYPE smallint, DATA_TYPE integer, TYPE_NAME text, PRECISION integer, LENGTH integer, "
                + "SCALE smallint, RADIX smallint, NULLABLE smallint, REMARKS text, COLUMN_DEF text, "
                + "SQL_DATA_TYPE integer, SQL_DATETIME_SUB integer, CHAR_OCTET_LENGTH integer, "
                + "ORDINAL_POSITION integer, IS_NULLABLE text, SPECIFIC_NAME text", List.of());
    }

    /** SQLite's functions are built in or registered per connection: none is stored in the schema. */
    @Override
    public ResultSet getFunctions(String catalog, String schemaPattern, String functionNamePattern) {
        return result("FUNCTION_CAT text, FUNCTION_SCHEM text, FUNCTION_NAME text, REMARKS text, "
                + "FUNCTION_TYPE smallint, SPECIFIC_NAME text", List.of());
    }

    @Override
    public ResultSet getFunctionColumns(String catalog, String schemaPattern, String functionNamePattern,
                                        String columnNamePattern) {
        return result("FUNCTION_CAT text, FUNCTION_SCHEM text, FUNCTION_NAME text, COLUMN_NAME text, "
                + "COLUMN_TYPE smallint, DATA_TYPE integer, TYPE_NAME text, PRECISION integer, LENGTH integer, "
                + "SCALE smallint, RADIX smallint, NULLABLE smallint, REMARKS text, CHAR_OCTET_LENGTH integer, "
                + "ORDINAL_POSITION integer, IS_NULLABLE text, SPECIFIC_NAME text", List.of());
    }

    @Override
    public ResultSet getUDTs(String catalog, String schemaPattern, String typeNamePattern, int[] types) {
        return result("TYPE_CAT text, TYPE_SCHEM text, TYPE_NAME text, CLASS_NAME text, DATA_TYPE integer, "
                + "REMARKS text, BASE_TYPE smallint", List.of());
    }

    /** SQLite has no users or grants. */
    @Override
    public ResultSet getTablePrivileges(String catalog, String schemaPattern, String tableNamePattern) {
        return result("TABLE_CAT text, TABLE_SCHEM text, TABLE_NAME text, GRANTOR text, GRANTEE text, "
                + "PRIVILEGE text, IS_GRANTABLE text", List.of());
    }

    @Override
    public ResultSet getColumnPrivileges(String catalog, String schema, String table, String columnNamePattern) {
        return result("TABLE_CAT text, TABLE_SCHEM text, TABLE_NAME text, COLUMN_NAME text, GRANTOR text, "
                + "GRANTEE text, PRIVILEGE text, IS_GRANTABLE text", List.of());
    }

    /** Client info is kept by the connection and has no predefined properties. */
    @Override
    public ResultSet getClientInfoProperties() {
        return result("NAME text, MAX_LEN integer, DEFAULT_VALUE text, DESCRIPTION text", List.of());
    }

    // ------------------------------------------------------------------ not supported

    private static SQLFeatureNotSupportedException unsupported(String what) {
        return new SQLFeatureNotSupportedException(what + " is not supported by the Halite driver");
    }

    @Override
    public ResultSet getBestRowIdentifier(String catalog, String schema, String table, int scope, boolean nullable)
            throws SQLException {
        throw unsupported("getBestRowIdentifier");
    }

    @Override
    public ResultSet getVersionColumns(String catalog, String schema, String table) throws SQLException {
        throw unsupported("getVersionColumns");
    }

    @Override
    public ResultSet getSuperTypes(String catalog, String schemaPattern, String typeNamePattern)
            throws SQLException {
        throw unsupported("getSuperTypes");
    }

    @Override
    public ResultSet getSuperTables(String catalog, String schemaPattern, String tableNamePattern)
            throws SQLException {
        throw unsupported("getSuperTables");
    }

    @Override
    public ResultSet getAttributes(String catalog, String schemaPattern, String typeNamePattern,
                                   String attributeNamePattern) throws SQLException {
        throw unsupported("getAttributes");
    }

    @Override
    public ResultSet getPseudoColumns(String catalog, String schemaPattern, String tableNamePattern,
                                      String columnNamePattern) throws SQLException {
        throw unsupported("getPseudoColumns");
    }

    // ------------------------------------------------------------------ product and driver

    @Override
    public String getDatabaseProductName() {
        return "SQLite";
    }

    /** The server's {@code sqlite_version()}, asked once per metadata object. */
    @Override
    public String getDatabaseProductVersion() throws SQLException {
        if (productVersion == null) {
            productVersion = (String) rows("SELECT sqlite_version()").get(0)[0];
        }
        return productVersion;
    }

    private int versionPart(int index) throws SQLException {
        String[] parts = getDatabaseProductVersion().split("\\.");
        return index < parts.length ? Integer.parseInt(parts[index]) : 0;
    }

    @Override
    public int getDatabaseMajorVersion() throws SQLException {
        return versionPart(0);
    }

    @Override
    public int getDatabaseMinorVersion() throws SQLException {
        return versionPart(1);
    }

    @Override
    public String getDriverName() {
        return "Halite JDBC";
    }

    @Override
    public String getDriverVersion() {
        return HaliteDriver.version();
    }

    @Override
    public int getDriverMajorVersion() {
        return HaliteDriver.MAJOR_VERSION;
    }

    @Override
    public int getDriverMinorVersion() {
        return HaliteDriver.MINOR_VERSION;
    }

    @Override
    public int getJDBCMajorVersion() {
        return 4;
    }

    @Override
    public int getJDBCMinorVersion() {
        return 2;
    }

    @Override
    public String getURL() {
        return connection.options().url();
    }

    @Override
    public String getUserName() {
        return "";
    }

    @Override
    public Connection getConnection() {
        return connection;
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        return connection.isReadOnly();
    }

    // ------------------------------------------------------------------ SQL dialect

    @Override
    public String getIdentifierQuoteString() {
        return "\"";
    }

    @Override
    public String getSQLKeywords() {
        return "ABORT,ANALYZE,ATTACH,AUTOINCREMENT,CONFLICT,DATABASE,DETACH,EXCLUSIVE,EXPLAIN,FAIL,GLOB,IF,IGNORE,"
                + "INDEX,INDEXED,INSTEAD,ISNULL,KEY,LIMIT,NOTNULL,OFFSET,PLAN,PRAGMA,QUERY,RAISE,REGEXP,REINDEX,"
                + "RENAME,REPLACE,RESTRICT,TEMP,VACUUM,VIEW,VIRTUAL";
    }

    @Override
    public String getNumericFunctions() {
        return "abs,max,min,random,round,sign";
    }

    @Override
    public String getStringFunctions() {
        return "char,format,glob,hex,instr,length,like,lower,ltrim,printf,quote,replace,rtrim,substr,substring,"
                + "trim,unhex,unicode,upper";
    }

    @Override
    public String getSystemFunctions() {
        return "changes,coalesce,ifnull,iif,last_insert_rowid,nullif,sqlite_version,typeof";
    }

    @Override
    public String getTimeDateFunctions() {
        return "date,datetime,julianday,strftime,time,unixepoch";
    }

    @Override
    public String getSearchStringEscape() {
        return "\\";
    }

    @Override
    public String getExtraNameCharacters() {
        return "";
    }

    @Override
    public String getSchemaTerm() {
        return "schema";
    }

    @Override
    public String getProcedureTerm() {
        return "procedure";
    }

    @Override
    public String getCatalogTerm() {
        return "catalog";
    }

    @Override
    public boolean isCatalogAtStart() {
        return true;
    }

    @Override
    public String getCatalogSeparator() {
        return ".";
    }

    @Override
    public int getSQLStateType() {
        return sqlStateSQL;
    }

    @Override
    public RowIdLifetime getRowIdLifetime() {
        return RowIdLifetime.ROWID_UNSUPPORTED;
    }

    // ------------------------------------------------------------------ identifiers and nulls

    @Override
    public boolean allProceduresAreCallable() {
        return false;
    }

    @Override
    public boolean allTablesAreSelectable() {
        return true;
    }

    /** NULL sorts before every other value in ascending order. */
    @Override
    public boolean nullsAreSortedHigh() {
        return false;
    }

    @Override
    public boolean nullsAreSortedLow() {
        return true;
    }

    @Override
    public boolean nullsAreSortedAtStart() {
        return false;
    }

    @Override
    public boolean nullsAreSortedAtEnd() {
        return false;
    }

    @Override
    public boolean usesLocalFiles() {
        return false;
    }

    @Override
    public boolean usesLocalFilePerTable() {
        return false;
    }

    /** SQLite matches identifiers, quoted or not, case-insensitively and stores them as written. */
    @Override
    public boolean supportsMixedCaseIdentifiers() {
        return false;
    }

    @Override
    public boolean storesUpperCaseIdentifiers() {
        return false;
    }

    @Override
    public boolean storesLowerCaseIdentifiers() {
        return false;
    }

    @Override
    public boolean storesMixedCaseIdentifiers() {
        return true;
    }

    @Override
    public boolean supportsMixedCaseQuotedIdentifiers() {
        return false;
    }

    @Override
    public boolean storesUpperCaseQuotedIdentifiers() {
        return false;
    }

    @Override
    public boolean storesLowerCaseQuotedIdentifiers() {
        return false;
    }

    @Override
    public boolean storesMixedCaseQuotedIdentifiers() {
        return true;
    }

    @Override
    public boolean nullPlusNonNullIsNull() {
        return true;
    }

    // ------------------------------------------------------------------ SQL features

    @Override
    public boolean supportsAlterTableWithAddColumn() {
        return true;
    }

    @Override
    public boolean supportsAlterTableWithDropColumn() {
        return true;
    }

    @Override
    public boolean supportsColumnAliasing() {
        return true;
    }

    @Override
    public boolean supportsConvert() {
        return false;
    }

    @Override
    public boolean supportsConvert(int fromType, int toType) {
        return false;
    }

    @Override
    public boolean supportsTableCorrelationNames() {
        return true;
    }

    @Override
    public boolean supportsDifferentTableCorrelationNames() {
        return false;
    }

    @Override
    public boolean supportsExpressionsInOrderBy() {
        return true;
    }

    @Override
    public boolean supportsOrderByUnrelated() {
        return true;
    }

    @Override
    public boolean supportsGroupBy() {
        return true;
    }

    @Override
    public boolean supportsGroupByUnrelated() {
        return true;
    }

    @Override
    public boolean supportsGroupByBeyondSelect() {
        return true;
    }

    @Override
    public boolean supportsLikeEscapeClause() {
        return true;
    }

    @Override
    public boolean supportsMultipleResultSets() {
        return false;
    }

    @Override
    public boolean supportsMultipleTransactions() {
        return true;
    }

    @Override
    public boolean supportsNonNullableColumns() {
        return true;
    }

    @Override
    public boolean supportsMinimumSQLGrammar() {
        return true;
    }

    @Override
    public boolean supportsCoreSQLGrammar() {
        return false;
    }

    @Override
    public boolean supportsExtendedSQLGrammar() {
        return false;
    }

    @Override
    public boolean supportsANSI92EntryLevelSQL() {
        return false;
    }

    @Override
    public boolean supportsANSI92IntermediateSQL() {
        return false;
    }

    @Override
    public boolean supportsANSI92FullSQL() {
        return false;
    }

    @Override
    public boolean supportsIntegrityEnhancementFacility() {
        return false;
    }

    @Override
    public boolean supportsOuterJoins() {
        return true;
    }

    /** Since SQLite 3.39, as are RIGHT joins. */
    @Override
    public boolean supportsFullOuterJoins() throws SQLException {
        return getDatabaseMajorVersion() > 3 || getDatabaseMajorVersion() == 3 && getDatabaseMinorVersion() >= 39;
    }

    @Override
    public boolean supportsLimitedOuterJoins() {
        return true;
    }

    @Override
    public boolean supportsSchemasInDataManipulation() {
        return false;
    }

    @Override
    public boolean supportsSchemasInProcedureCalls() {
        return false;
    }

    @Override
    public boolean supportsSchemasInTableDefinitions() {
        return false;
    }

    @Override
    public boolean supportsSchemasInIndexDefinitions() {
        return false;
    }

    @Override
    public boolean supportsSchemasInPrivilegeDefinitions() {
        return false;
    }

    @Override
    public boolean supportsCatalogsInDataManipulation() {
        return false;
    }

    @Override
    public boolean supportsCatalogsInProcedureCalls() {
        return false;
    }

    @Override
    public boolean supportsCatalogsInTableDefinitions() {
        return false;
    }

    @Override
    public boolean supportsCatalogsInIndexDefinitions() {
        return false;
    }

    @Override
    public boolean supportsCatalogsInPrivilegeDefinitions() {
        return false;
    }

    @Override
    public boolean supportsPositionedDelete() {
        return false;
    }

    @Override
    public boolean supportsPositionedUpdate() {
        return false;
    }

    @Override
    public boolean supportsSelectForUpdate() {
        return false;
    }

    @Override
    public boolean supportsStoredProcedures() {
        return false;
    }

    @Override
    public boolean supportsSubqueriesInComparisons() {
        return true;
    }

    @Override
    public boolean supportsSubqueriesInExists() {
        return true;
    }

    @Override
    public boolean supportsSubqueriesInIns() {
        return true;
    }

    /** SQLite has no ANY/SOME/ALL comparisons. */
    @Override
    public boolean supportsSubqueriesInQuantifieds() {
        return false;
    }

    @Override
    public boolean supportsCorrelatedSubqueries() {
        return true;
    }

    @Override
    public boolean supportsUnion() {
        return true;
    }

    @Override
    public boolean supportsUnionAll() {
        return true;
    }

    /** Results are read whole when a statement runs, so commits and rollbacks do not close them. */
    @Override
    public boolean supportsOpenCursorsAcrossCommit() {
        return true;
    }

    @Override
    public boolean supportsOpenCursorsAcrossRollback() {
        return true;
    }

    @Override
    public boolean supportsOpenStatementsAcrossCommit() {
        return true;
    }

    @Override
    public boolean supportsOpenStatementsAcrossRollback() {
        return true;
    }

    // ------------------------------------------------------------------ limits: 0 means none or unknown

    @Override
    public int getMaxBinaryLiteralLength() {
        return 0;
    }

    @Override
    public int getMaxCharLiteralLength() {
        return 0;
    }

    @Override
    public int getMaxColumnNameLength() {
        return 0;
    }

    @Override
    public int getMaxColumnsInGroupBy() {
        return 0;
    }

    @Override
    public int getMaxColumnsInIndex() {
        return 0;
    }

    @Override
    public int getMaxColumnsInOrderBy() {
        return 0;
    }

    @Override
    public int getMaxColumnsInSelect() {
        return 0;
    }

    @Override
    public int getMaxColumnsInTable() {
        return 0;
    }

    @Override
    public int getMaxConnections() {
        return 0;
    }

    @Override
    public int getMaxCursorNameLength() {
        return 0;
    }

    @Override
    public int getMaxIndexLength() {
        return 0;
    }

    @Override
    public int getMaxSchemaNameLength() {
        return 0;
    }

    @Override
    public int getMaxProcedureNameLength() {
        return 0;
    }

    @Override
    public int getMaxCatalogNameLength() {
        return 0;
    }

    @Override
    public int getMaxRowSize() {
        return 0;
    }

    @Override
    public boolean doesMaxRowSizeIncludeBlobs() {
        return false;
    }

    @Override
    public int getMaxStatementLength() {
        return 0;
    }

    @Override
    public int getMaxStatements() {
        return 0;
    }

    @Override
    public int getMaxTableNameLength() {
        return 0;
    }

    @Override
    public int getMaxTablesInSelect() {
        return 0;
    }

    @Override
    public int getMaxUserNameLength() {
        return 0;
    }

    // ------------------------------------------------------------------ transactions

    @Override
    public int getDefaultTransactionIsolation() {
        return Connection.TRANSACTION_SERIALIZABLE;
    }

    @Override
    public boolean supportsTransactions() {
        return true;
    }

    @Override
    public boolean supportsTransactionIsolationLevel(int level) {
        return level == Connection.TRANSACTION_SERIALIZABLE;
    }

    @Override
    public boolean supportsDataDefinitionAndDataManipulationTransactions() {
        return true;
    }

    @Override
    public boolean supportsDataManipulationTransactionsOnly() {
        return false;
    }

    @Override
    public boolean dataDefinitionCausesTransactionCommit() {
        return false;
    }

    @Override
    public boolean dataDefinitionIgnoredInTransactions() {
        return false;
    }

    @Override
    public boolean supportsSavepoints() {
        return false;
    }

    @Override
    public boolean autoCommitFailureClosesAllResultSets() {
        return false;
    }

    // ------------------------------------------------------------------ result sets and statements

    @Override
    public boolean supportsResultSetType(int type) {
        return type == ResultSet.TYPE_FORWARD_ONLY;
    }

    @Override
    public boolean supportsResultSetConcurrency(int type, int concurrency) {
        return type == ResultSet.TYPE_FORWARD_ONLY && concurrency == ResultSet.CONCUR_READ_ONLY;
    }

    @Override
    public boolean ownUpdatesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean ownDeletesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean ownInsertsAreVisible(int type) {
        return false;
    }

    @Override
    public boolean othersUpdatesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean othersDeletesAreVisible(int type) {
        return false;
    }

    @Override
    public boolean othersInsertsAreVisible(int type) {
        return false;
    }

    @Override
    public boolean updatesAreDetected(int type) {
        return false;
    }

    @Override
    public boolean deletesAreDetected(int type) {
        return false;
    }

    @Override
    public boolean insertsAreDetected(int type) {
        return false;
    }

    @Override
    public boolean supportsBatchUpdates() {
        return true;
    }

    @Override
    public boolean supportsNamedParameters() {
        return false;
    }

    @Override
    public boolean supportsMultipleOpenResults() {
        return false;
    }

    @Override
    public boolean supportsGetGeneratedKeys() {
        return true;
    }

    /** Named key columns come back through a RETURNING clause the driver appends to every INSERT. */
    @Override
    public boolean generatedKeyAlwaysReturned() {
        return true;
    }

    @Override
    public boolean supportsResultSetHoldability(int holdability) {
        return holdability == ResultSet.HOLD_CURSORS_OVER_COMMIT || holdability == ResultSet.CLOSE_CURSORS_AT_COMMIT;
    }

    @Override
    public int getResultSetHoldability() {
        return ResultSet.HOLD_CURSORS_OVER_COMMIT;
    }

    @Override
    public boolean locatorsUpdateCopy() {
        return false;
    }

    @Override
    public boolean supportsStatementPooling() {
        return false;
    }

    @Override
    public boolean supportsStoredFunctionsUsingCallSyntax() {
        return false;
    }

    @Override
    public boolean supportsRefCursors() {
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
