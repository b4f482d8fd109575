package io.halite.server.shell;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rows as the shell prints them, from values as the API sends them (stored values, blobs as byte arrays). */
class ResultPrinterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> COLUMNS = List.of("id", "name", "pic");

    private static String print(ResultPrinter.Mode mode, boolean headers, String values) throws Exception {
        ResultPrinter printer = new ResultPrinter();
        printer.mode(mode);
        printer.headers(headers);
        List<JsonNode> rows = new ArrayList<>();
        JSON.readTree(values).forEach(rows::add);
        StringWriter text = new StringWriter();
        printer.print(COLUMNS, rows, new PrintWriter(text));
        return text.toString().replace(System.lineSeparator(), "\n");
    }

    private static final String ROWS = "[[1, \"ada\", [0, 255, 16]], [20, null, null], [3, \"漢字, \\\"q\\\"\", []]]";

    @Test
    void aTableAlignsColumnsCountingWideCharactersTwiceShowsNullAndBlobsAndCountsRows() throws Exception {
        assertThat(print(ResultPrinter.Mode.TABLE, true, ROWS)).isEqualTo("""
                +----+-----------+-----------+
                | id | name      | pic       |
                +----+-----------+-----------+
                |  1 | ada       | X'00FF10' |
                | 20 | NULL      | NULL      |
                |  3 | 漢字, "q" | X''       |
                +----+-----------+-----------+
                (3 rows)
                """);
        assertThat(print(ResultPrinter.Mode.TABLE, false, "[]")).isEqualTo("(0 rows)\n");
        assertThat(print(ResultPrinter.Mode.TABLE, true, "[]")).isEqualTo("""
                +----+------+-----+
                | id | name | pic |
                +----+------+-----+
                (0 rows)
                """);
    }

    @Test
    void csvQuotesWhatNeedsItAndLeavesNullEmpty() throws Exception {
        assertThat(print(ResultPrinter.Mode.CSV, true, ROWS)).isEqualTo("""
                id,name,pic
                1,ada,X'00FF10'
                20,,
                3,"漢字, \"\"q\"\"",X''
                """);
    }

    @Test
    void jsonAndLineModes() throws Exception {
        assertThat(print(ResultPrinter.Mode.JSON, true, ROWS)).isEqualTo("""
                [{"id":1,"name":"ada","pic":"X'00FF10'"},
                 {"id":20,"name":null,"pic":null},
                 {"id":3,"name":"漢字, \\"q\\"","pic":"X''"}]
                """);
        assertThat(print(ResultPrinter.Mode.LINE, true, "[[1, \"ada\", null]]")).isEqualTo("""
                  id = 1
                name = ada
                 pic = NULL
                """);
    }
}
