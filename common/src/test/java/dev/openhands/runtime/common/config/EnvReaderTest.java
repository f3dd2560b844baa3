package dev.openhands.runtime.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvReaderTest {

  private static String failure(Runnable read) {
    return assertThrows(ConfigException.class, read::run).getMessage();
  }

  @Test
  void durations_inEveryWrittenForm() {
    EnvReader in = new EnvReader(Map.of("A", "500ms", "B", "PT30S", "C", "2h", "D", "5m"));
    assertEquals(Duration.ofMillis(500), in.positiveDuration("A", "1s"));
    assertEquals(Duration.ofSeconds(30), in.positiveDuration("B", "1s"));
    assertEquals(Duration.ofHours(2), in.positiveDuration("C", "1s"));
    assertEquals(Duration.ofMinutes(5), in.positiveDuration("D", "1s"));
    assertEquals(Duration.ofDays(180), in.positiveDuration("UNSET", "180d"));
    assertEquals("180d", Durations.format(Duration.ofDays(180)));
  }

  @Test
  void badValues_oneLineNamingTheVariable() {
    EnvReader in = new EnvReader(Map.of("T", "soon", "Z", "0s", "P", "70000", "N", "x", "L", " , ", "TABLE", "a b"));
    assertEquals("T: 'soon' (expected: a duration such as 500ms, 30s, 5m, 1h, 180d or PT30S)",
        failure(() -> in.positiveDuration("T", "1s")));
    assertEquals("Z: '0s' (expected: > 0)", failure(() -> in.positiveDuration("Z", "1s")));
    assertEquals("P: 70000 (expected: a port from 1 to 65535)", failure(() -> in.port("P", 1)));
    assertEquals("N: 'x' (expected: a whole number)", failure(() -> in.positiveInt("N", 1)));
    assertEquals("L: not set (expected: one or more values separated by commas)", failure(() -> in.requiredList("L")));
    assertEquals("TABLE: 'a b' (expected: 3 to 255 letters, digits, '_', '-' or '.')",
        failure(() -> in.tableName("TABLE")));
  }

  @Test
  void lists_trimmedWithoutEmptyMembers() {
    assertEquals(List.of("a", "b"), new EnvReader(Map.of("L", " a, ,b ,")).list("L"));
    assertEquals(List.of(), new EnvReader(Map.of()).list("L"));
  }
}
