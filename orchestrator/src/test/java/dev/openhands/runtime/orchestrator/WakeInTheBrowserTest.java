package dev.openhands.runtime.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.HeadlessChromium;
import dev.openhands.runtime.gateway.testkit.Poll;
import dev.openhands.runtime.orchestrator.demo.DemoSandbox;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Row 20 as a person sees it, in headless Chromium, set up as local mode is (the {@code local} provider's demo
 * sandbox, the demo user signed in on the main host, runtime hosts through the handshake): the link of a paused
 * sandbox shows the starting page, which becomes the demo app without any click. Writes
 * {@code target/screenshots/starting-page.png}. {@code -Dwake.rounds=10} repeats the round trip and prints the time
 * from the first request until the app shows (not asserted: a benchmark, reported on the issue).
 */
@Timeout(600)
class WakeInTheBrowserTest {

  static final String MAIN = "openhands.localhost";
  static final String USER = "demo-user";
  static OrchestratorFixture fixture;
  static ApiClient api;
  static int gatewayPort;
  static GatewayUnderTest gateway;
  static HeadlessChromium chromium;

  @BeforeAll
  static void start() throws Exception {
    fixture = OrchestratorFixture.start("wake-in-the-browser");
    Orchestrator orchestrator = fixture.localOrchestrator();
    api = fixture.client(orchestrator);
    gatewayPort = DynamoDbLocal.freePort();
    gateway = GatewayUnderTest.start(fixture.dynamo(), fixture.table().name(), Map.of(
        "GATEWAY_PORT", Integer.toString(gatewayPort), "ORIGIN_VERIFY", "disabled", "RUNTIME_AUTH", "owner",
        "DEMO_USER", USER, "SIGN_IN_URL", "http://" + MAIN + ":" + gatewayPort + "/_login",
        "RUNTIME_SESSION_SECRET", "wake-browser-test-session-secret-0123456789",
        "ORCHESTRATOR_URL", "http://127.0.0.1:" + orchestrator.apiPort(),
        "ORCHESTRATOR_API_KEY", OrchestratorFixture.API_KEY, "WAKE_COOLDOWN", "2s"));
    chromium = HeadlessChromium.launch();
  }

  @AfterAll
  static void stop() throws Exception {
    if (chromium != null) {
      chromium.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    fixture.close();
  }

  @Test
  void aPausedSandboxesLink_showsTheStartingPage_thenTheAppWithoutAClick() throws Exception {
    String id = "b0000000000000000000000000000001";
    assertEquals(200, api.start(id, new JsonObject().put("USER_ID", USER)).status());
    api.awaitStatus(id, "running");
    String url = "http://" + DemoSandbox.APP_PORT + "-" + id + ".runtime." + MAIN + ":" + gatewayPort + "/";
    int rounds = Integer.getInteger("wake.rounds", 1);
    List<Long> millis = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      assertEquals(200, api.call("/pause", id).status());
      api.awaitStatus(id, "paused");
      Page page = chromium.browser().newContext().newPage();
      long started = System.nanoTime();
      page.navigate(url);
      PlaywrightAssertions.assertThat(page.locator("h1")).containsText("Starting the sandbox");
      if (round == 0) {
        PlaywrightAssertions.assertThat(page.locator("#waited")).containsText("Waiting for");
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/screenshots/starting-page.png")));
      }
      PlaywrightAssertions.assertThat(page.locator("body")).containsText("Demo sandbox",
          new LocatorAssertions.ContainsTextOptions().setTimeout(60_000));
      millis.add(Duration.ofNanos(System.nanoTime() - started).toMillis());
      assertEquals(url, page.url(), "the same link, now the app");
      page.context().close();
      // The next round's visit must make a wake of its own, not find this round's: wait out the cooldown.
      Poll.until(Duration.ofSeconds(10), () -> gateway.gateway().waker().recent(id), wake -> wake == null,
          wake -> "this round's wake is still remembered");
    }
    System.out.println("wake-to-app ms per round: " + millis + "; sorted " + millis.stream().sorted().toList());
    assertTrue(millis.size() == rounds);
    api.call("/stop", id);
  }
}
