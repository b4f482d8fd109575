package io.halite.core.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where a statement ends, as a shell needs to know while the user types it. */
class SqlLexerTest {
    private static String firstStatement(String text) {
        int end = SqlLexer.statementEnd(text, 0);
        return end < 0 ? null : text.substring(0, end);
    }

    @Test
    void aStatementEndsAtItsSemicolon() {
        assertThat(firstStatement("SELECT 1; SELECT 2;")).isEqualTo("SELECT 1;");
        assertThat(SqlLexer.statementEnd("SELECT 1; SELECT 2;", 9)).isEqualTo(19);
        assertThat(firstStatement("SELECT 1")).isNull();
    }

    @Test
    void semicolonsInStringsIdentifiersAndCommentsDoNotEndIt() {
        assertThat(firstStatement("SELECT 'a;b', \"c;d\", [e;f], `g;h` -- i;j\n/* k; */ FROM t;"))
                .isEqualTo("SELECT 'a;b', \"c;d\", [e;f], `g;h` -- i;j\n/* k; */ FROM t;");
        assertThat(firstStatement("SELECT 'it''s; here';")).isEqualTo("SELECT 'it''s; here';");
    }

    @Test
    void anUnterminatedStringOrCommentLeavesItIncomplete() {
        assertThat(firstStatement("SELECT 'a;")).isNull();
        assertThat(firstStatement("SELECT 1 /* ;")).isNull();
        assertThat(firstStatement("SELECT 1 -- ;")).isNull();
        assertThat(firstStatement("SELECT [a;")).isNull();
    }

    @Test
    void aTriggerBodyEndsOnlyAfterItsEnd() {
        String trigger = "CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN\n"
                + "  UPDATE y SET n = CASE WHEN new.a THEN 1 ELSE 2 END;\n"
                + "  INSERT INTO z VALUES(1);\n"
                + "END;";
        assertThat(firstStatement(trigger + " SELECT 1;")).isEqualTo(trigger);
        assertThat(firstStatement("create trigger t after insert on x begin insert into z values(1);")).isNull();
        assertThat(firstStatement("EXPLAIN CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;"))
                .isEqualTo("EXPLAIN CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;");
    }

    @Test
    void transactionKeywordsOutsideATriggerAreOrdinary() {
        assertThat(firstStatement("BEGIN; INSERT INTO t VALUES(1); END;")).isEqualTo("BEGIN;");
        assertThat(firstStatement("SELECT CASE WHEN 1 THEN 2 END;")).isEqualTo("SELECT CASE WHEN 1 THEN 2 END;");
    }

    @Test
    void aTextSplitsIntoItsStatementsInOrder() {
        assertThat(SqlLexer.statements("CREATE TABLE t(x); INSERT INTO t VALUES(1); INSERT INTO t VALUES(2)"))
                .containsExactly("CREATE TABLE t(x);", " INSERT INTO t VALUES(1);", " INSERT INTO t VALUES(2)");
        assertThat(SqlLexer.statements("SELECT 1")).containsExactly("SELECT 1");
        assertThat(SqlLexer.holdsSeveralStatements("SELECT 1; SELECT 2")).isTrue();
        assertThat(SqlLexer.holdsSeveralStatements("SELECT ';'; -- ; SELECT 2")).isFalse();
    }

    @Test
    void trailingSemicolonsSpaceAndCommentsAndEmptyStatementsAreNoStatements() {
        assertThat(SqlLexer.statements("SELECT 1;")).containsExactly("SELECT 1;");
        assertThat(SqlLexer.statements("SELECT 1;;  ; \n")).containsExactly("SELECT 1;");
        assertThat(SqlLexer.statements("SELECT 1; -- done")).containsExactly("SELECT 1;");
        assertThat(SqlLexer.statements("SELECT 1; /* done */ ;\n-- really\n")).containsExactly("SELECT 1;");
        assertThat(SqlLexer.statements(";; SELECT 1; ; SELECT 2 ;"))
                .containsExactly(" SELECT 1;", " SELECT 2 ;");
        assertThat(SqlLexer.holdsSeveralStatements("INSERT INTO t VALUES(1); -- and nothing else")).isFalse();
    }

    @Test
    void aTextWithoutAnyStatementComesBackWhole() {
        assertThat(SqlLexer.statements("")).containsExactly("");
        assertThat(SqlLexer.statements(" ; -- nothing")).containsExactly(" ; -- nothing");
    }

    @Test
    void aTriggerWithSemicolonsAndCaseInItsBodyStaysOneStatement() {
        String trigger = "CREATE TRIGGER tr AFTER INSERT ON t WHEN CASE WHEN new.x > 0 THEN 1 END BEGIN\n"
                + "  INSERT INTO log VALUES(CASE new.x WHEN 1 THEN 'one' ELSE 'many' END);\n"
                + "  UPDATE t SET y = 'seen; really' WHERE rowid = new.rowid;\n"
                + "END;";
        assertThat(SqlLexer.statements("CREATE TABLE t(x, y); " + trigger + " INSERT INTO t(x) VALUES(1);"))
                .containsExactly("CREATE TABLE t(x, y);", " " + trigger, " INSERT INTO t(x) VALUES(1);");
    }

    @Test
    void aColumnNamedBeginInATriggerBodyDoesNotSwallowTheNextStatement() {
        String trigger = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET begin = 1; END;";
        assertThat(SqlLexer.statements(trigger + " INSERT INTO t VALUES(1)"))
                .containsExactly(trigger, " INSERT INTO t VALUES(1)");
        String ofBegin = "CREATE TRIGGER tr AFTER UPDATE OF begin ON t BEGIN SELECT 1; END;";
        assertThat(SqlLexer.statements(ofBegin + " SELECT 2")).containsExactly(ofBegin, " SELECT 2");
    }

    @Test
    void blankMeansOnlySpaceAndComments() {
        assertThat(SqlLexer.isBlank(" \n-- note\n/* more */ ")).isTrue();
        assertThat(SqlLexer.isBlank(" SELECT 1")).isFalse();
    }

    @Test
    void aPragmaIsKnownByItsKeywordNameAndWhatFollowsTheName() {
        String pragma = " /* c */ pragma main.User_Version -- x\n ( 3 )";
        assertThat(SqlLexer.leadingKeyword(pragma)).isEqualTo("PRAGMA");
        assertThat(SqlLexer.secondWord(pragma)).isEqualTo("user_version");
        assertThat(SqlLexer.symbolAfterSecondWord(pragma)).isEqualTo('(');
        assertThat(SqlLexer.symbolAfterSecondWord("PRAGMA user_version=3")).isEqualTo('=');
        assertThat(SqlLexer.symbolAfterSecondWord("PRAGMA user_version ")).isEqualTo((char) 0);
    }

    @Test
    void theExplainedStatementFollowsExplainOrExplainQueryPlan() {
        assertThat(SqlLexer.explained("EXPLAIN QUERY PLAN SELECT 1")).isEqualTo(" SELECT 1");
        assertThat(SqlLexer.explained("explain /* c */ query\nplan PRAGMA x")).isEqualTo(" PRAGMA x");
        assertThat(SqlLexer.explained("EXPLAIN QUERY")).isEqualTo(" QUERY");
        assertThat(SqlLexer.explained("EXPLAIN PRAGMA x")).isEqualTo(" PRAGMA x");
        assertThat(SqlLexer.explained("SELECT 'EXPLAIN'")).isEqualTo("SELECT 'EXPLAIN'");
        assertThat(SqlLexer.explained("EXPLAINED")).isEqualTo("EXPLAINED");
    }
}
