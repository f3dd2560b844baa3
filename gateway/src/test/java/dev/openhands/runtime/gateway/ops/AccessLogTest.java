package dev.openhands.runtime.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AccessLogTest {

  @Test
  void oneJsonLinePerRequest_escaped_withoutAbsentFields() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AccessLog log = new AccessLog(out, 16);
    log.log(new AccessLog.Entry(0, "abc", null, "GET", "/a\"b\\c\n", "sandbox", "0123456789abcdef0123456789abcdef",
        5000, 200, 10, 20, 1500, "10.0.1.5", "curl/8"));
    log.close();
    assertEquals("{\"time\":\"1970-01-01T00:00:00Z\",\"type\":\"access\",\"request_id\":\"abc\",\"method\":\"GET\","
        + "\"path\":\"/a\\\"b\\\\c\\u000a\",\"route\":\"sandbox\",\"conversation_id\":\"0123456789abcdef0123456789abcdef\","
        + "\"port\":5000,\"status\":200,\"bytes_in\":10,\"bytes_out\":20,\"duration_us\":1500,\"peer\":\"10.0.1.5\","
        + "\"user_agent\":\"curl/8\"}\n", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void time_isTheInstantInIso8601_toTheMillisecond_acrossSecondsAndCenturies() throws Exception {
    // The first is the one a new log could mistake for "formatted already".
    long[] times = {Long.MIN_VALUE, 0, 1, 10, 100, 999, 1000, 1001, 59_999, 60_000, 1_796_000_000_000L,
        1_796_000_000_007L, 1_796_000_000_070L, 1_796_000_000_700L, 1_796_000_001_000L, 1_796_000_000_999L, -1, -999,
        -1000, -1001, 253_402_300_799_999L, 253_402_300_800_000L, 253_402_300_800_042L, -62_167_219_200_000L,
        -62_167_219_200_001L, Long.MIN_VALUE + 1, Long.MAX_VALUE};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AccessLog log = new AccessLog(out, times.length);
    for (long time : times) {
      log.log(new AccessLog.Entry(time, null, null, "GET", "/", "app", null, -1, 200, 0, 0, 1, null, null));
    }
    log.close();
    java.util.List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(times.length, lines.size());
    for (int i = 0; i < times.length; i++) {
      String expected = "{\"time\":\"" + java.time.Instant.ofEpochMilli(times[i]) + "\",";
      assertEquals(expected, lines.get(i).substring(0, expected.length()), "epoch ms " + times[i]);
    }
  }

  @Test
  void fullQueue_dropsAndCounts_neverBlocks() throws Exception {
    java.io.OutputStream stalled = new java.io.OutputStream() {
      @Override
      public void write(int b) throws java.io.IOException {
        try {
          Thread.sleep(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    AccessLog log = new AccessLog(stalled, 4);
    for (int i = 0; i < 100; i++) {
      log.log(new AccessLog.Entry(0, "r" + i, null, "GET", "/", "app", null, -1, 200, 0, 0, 1, null, null));
    }
    org.junit.jupiter.api.Assertions.assertTrue(log.dropped() >= 90, "dropped " + log.dropped());
  }

  @Test
  void manyProducers_everyLineWrittenByClose_eachWhole() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    AccessLog log = new AccessLog(out, 100_000);
    Thread[] producers = new Thread[4];
    for (int t = 0; t < producers.length; t++) {
      int producer = t;
      producers[t] = new Thread(() -> {
        for (int i = 0; i < 5_000; i++) {
          log.log(new AccessLog.Entry(i, producer + "-" + i, null, "GET", "/", "app", null, -1, 200, 0, 0, 1, null,
              null));
        }
      });
      producers[t].start();
    }
    for (Thread producer : producers) {
      producer.join();
    }
    log.close();
    java.util.List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    org.junit.jupiter.api.Assertions.assertEquals(20_000, lines.size());
    org.junit.jupiter.api.Assertions.assertEquals(0, log.dropped());
    org.junit.jupiter.api.Assertions.assertTrue(lines.stream().allMatch(l -> l.startsWith("{\"time\":")
        && l.endsWith("}")));
    org.junit.jupiter.api.Assertions.assertEquals(20_000, lines.stream().distinct().count());
  }
}
