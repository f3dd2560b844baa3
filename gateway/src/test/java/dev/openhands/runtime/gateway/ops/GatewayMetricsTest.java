package dev.openhands.runtime.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GatewayMetricsTest {

  @Test
  void requests_countedByRouteAndStatus_oddStatusesAsOther() {
    GatewayMetrics metrics = new GatewayMetrics();
    metrics.request("sandbox", 200, 1_000_000);
    metrics.request("sandbox", 200, 3_000_000);
    metrics.request("sandbox", 502, 1_000_000);
    metrics.request("app", 200, 1_000_000);
    metrics.request("sandbox", 1234, 1_000_000);
    metrics.request("sandbox", -1, 1_000_000);
    String scrape = metrics.scrape();
    assertCount(scrape, "route=\"sandbox\",status=\"200\"", 2);
    assertCount(scrape, "route=\"sandbox\",status=\"502\"", 1);
    assertCount(scrape, "route=\"app\",status=\"200\"", 1);
    assertCount(scrape, "route=\"sandbox\",status=\"other\"", 2);
    assertTrue(scrape.contains("gateway_requests_seconds_sum{route=\"sandbox\",status=\"200\"} 0.004"), scrape);
  }

  @Test
  void requestsFromManyThreads_eachCountedOnItsOwn_areSummedWhenScraped() throws Exception {
    GatewayMetrics metrics = new GatewayMetrics();
    Thread[] loops = new Thread[4];
    for (int t = 0; t < loops.length; t++) {
      loops[t] = new Thread(() -> {
        for (int i = 0; i < 1000; i++) {
          metrics.request("sandbox", 200, 1_000_000);
          metrics.request(i % 2 == 0 ? "app" : "console", 404, 1_000_000);
        }
      });
      loops[t].start();
    }
    for (Thread loop : loops) {
      loop.join();
    }
    String scrape = metrics.scrape();
    assertCount(scrape, "route=\"sandbox\",status=\"200\"", 4000);
    assertCount(scrape, "route=\"app\",status=\"404\"", 2000);
    assertCount(scrape, "route=\"console\",status=\"404\"", 2000);
    assertTrue(scrape.contains("gateway_requests_seconds_sum{route=\"sandbox\",status=\"200\"} 4.0"), scrape);
  }

  private static void assertCount(String scrape, String labels, int count) {
    String line = "gateway_requests_seconds_count{" + labels + "} " + count;
    assertTrue(scrape.contains(line), "no line " + line + " in\n" + scrape);
  }
}
