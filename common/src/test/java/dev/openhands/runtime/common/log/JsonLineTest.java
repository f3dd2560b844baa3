package dev.openhands.runtime.common.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonLineTest {

  @Test
  void fieldsInOrder_absentOnesLeftOut() {
    String line = JsonLine.of("2026-01-01T00:00:00Z", "api").field("route", "/start").field("missing", null)
        .number("status", 200).number("unknown", -1).bool("ok", true).toString();
    assertEquals("{\"time\":\"2026-01-01T00:00:00Z\",\"type\":\"api\",\"route\":\"/start\",\"status\":200,\"ok\":true}",
        line);
  }

  @Test
  void numbers_writtenInDecimal_fromZeroToTheLargest() {
    String line = JsonLine.of("t", "x").number("a", 0).number("b", 9).number("c", 10).number("d", 1_000_007)
        .number("e", Long.MAX_VALUE).toString();
    assertEquals("{\"time\":\"t\",\"type\":\"x\",\"a\":0,\"b\":9,\"c\":10,\"d\":1000007,\"e\":"
        + Long.MAX_VALUE + "}", line);
  }

  @Test
  void namesEncodedOnce_writeTheSameLineAsNamesWrittenEachTime() {
    String byString = JsonLine.of("t", "x").field("path", "/a\"b").number("status", 200).field("none", null)
        .number("port", 8000).toString();
    String byName = JsonLine.of("t", "x").field(JsonLine.Name.of("path"), "/a\"b")
        .number(JsonLine.Name.of("status"), 200).field(JsonLine.Name.of("none"), null)
        .number(JsonLine.Name.of("port"), 8000).toString();
    assertEquals(byString, byName);
    assertEquals("{\"time\":\"t\",\"type\":\"x\",\"path\":\"/a\\\"b\",\"status\":200,\"port\":8000}", byName);
  }

  @Test
  void aNameThatWouldNeedEscaping_isRefused() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> JsonLine.Name.of("a\"b"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> JsonLine.Name.of(""));
  }

  @Test
  void controlCharactersQuotesAndLineSeparators_escaped() {
    String line = JsonLine.of("t", "x").field("v", "a\"b\\c\n\u0000\u2028").toString();
    assertEquals("{\"time\":\"t\",\"type\":\"x\",\"v\":\"a\\\"b\\\\c\\u000a\\u0000\\u2028\"}", line);
  }

  @Test
  void longValues_cut() {
    String line = JsonLine.of("t", "x").field("v", "y".repeat(10_000)).toString();
    assertTrue(line.length() < JsonLine.MAX_VALUE_CHARS + 40, "length " + line.length());
  }

  @Test
  void nonAsciiText_writtenAsUtf8_loneSurrogatesReplaced() {
    String line = JsonLine.of("t", "x").field("v", "caf\u00e9 \u4e2d \ud83d\ude00 \ud83d. \ude00").toString();
    assertEquals("{\"time\":\"t\",\"type\":\"x\",\"v\":\"caf\u00e9 \u4e2d \ud83d\ude00 \ufffd. \ufffd\"}", line);
  }

  @Test
  void oneInstance_writesManyLines_eachWithItsBreak() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonLine line = JsonLine.of("t1", "x").field("long", "z".repeat(2_000));
    line.writeTo(out);
    line.begin("t2", "x").number("n", 7).writeTo(out);
    String[] lines = out.toString(StandardCharsets.UTF_8).split("\n", -1);
    assertEquals(3, lines.length);
    assertEquals("{\"time\":\"t1\",\"type\":\"x\",\"long\":\"" + "z".repeat(JsonLine.MAX_VALUE_CHARS) + "\"}",
        lines[0]);
    assertEquals("{\"time\":\"t2\",\"type\":\"x\",\"n\":7}", lines[1]);
    assertEquals("", lines[2]);
  }
}
