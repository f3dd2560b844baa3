package dev.openhands.runtime.common.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  void controlCharactersQuotesAndLineSeparators_escaped() {
    String line = JsonLine.of("t", "x").field("v", "a\"b\\c\n\u0000\u2028").toString();
    assertEquals("{\"time\":\"t\",\"type\":\"x\",\"v\":\"a\\\"b\\\\c\\u000a\\u0000\\u2028\"}", line);
  }

  @Test
  void longValues_cut() {
    String line = JsonLine.of("t", "x").field("v", "y".repeat(10_000)).toString();
    assertTrue(line.length() < JsonLine.MAX_VALUE_CHARS + 40, "length " + line.length());
  }
}
