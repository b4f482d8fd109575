package io.halite.server.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How script text is cut into what the shell runs, with the line each piece starts on. */
class InputBufferTest {
    private static List<InputBuffer.Piece> cut(String script) {
        InputBuffer buffer = new InputBuffer();
        List<InputBuffer.Piece> pieces = new ArrayList<>();
        script.lines().forEach(line -> pieces.addAll(buffer.add(line)));
        InputBuffer.Piece rest = buffer.finish();
        if (rest != null) {
            pieces.add(rest);
        }
        return pieces;
    }

    @Test
    void statementsAndDotCommandsKeepTheirLines() {
        assertThat(cut("""
                -- a comment
                SELECT 1; SELECT
                  2;
                .tables
                ;

                INSERT INTO t
                VALUES (';
                .not a command');
                SELECT 3""")).containsExactly(
                new InputBuffer.Piece("-- a comment\nSELECT 1;", 1, false),
                new InputBuffer.Piece("SELECT\n  2;", 2, false),
                new InputBuffer.Piece(".tables", 4, true),
                new InputBuffer.Piece("INSERT INTO t\nVALUES (';\n.not a command');", 7, false),
                new InputBuffer.Piece("SELECT 3", 10, false));
    }

    @Test
    void aDotCommandCountsOnlyWhereNoStatementIsPending() {
        assertThat(cut("SELECT\n.5;")).containsExactly(new InputBuffer.Piece("SELECT\n.5;", 1, false));
    }

    @Test
    void promptInputIsCompleteOnceEveryStatementIsEnded() {
        assertThat(InputBuffer.isComplete("SELECT 1;")).isTrue();
        assertThat(InputBuffer.isComplete("SELECT 1; SELECT")).isFalse();
        assertThat(InputBuffer.isComplete("SELECT ';'")).isFalse();
        assertThat(InputBuffer.isComplete(".schema users")).isTrue();
        assertThat(InputBuffer.isComplete("")).isTrue();
        assertThat(InputBuffer.isComplete("SELECT 1; -- done")).isTrue();
    }
}
