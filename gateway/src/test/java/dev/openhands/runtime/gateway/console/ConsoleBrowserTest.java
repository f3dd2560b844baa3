package dev.openhands.runtime.gateway.console;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.FakeCognito;
import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.HeadlessChromium;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Row 24 and row 22 in headless Chromium: the owner shares a port from the console; a browser with no session opens
 * it while it is public; shared with a named user, that user gets in and another gets 403; a cross-site form post to
 * the console's API is refused and writes nothing. Writes {@code target/screenshots/console.png}.
 */
@Timeout(180)
class ConsoleBrowserTest {

  static final String CONV = "24b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";
  static final String MAIN = "openhands.localhost";

  static GatewayFixture fixture;
  static FakeCognito cognito;
  static HttpServer app;
  static HttpServer evil;
  static int gatewayPort;
  static HeadlessChromium chromium;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-console-browser");
    cognito = await(new FakeCognito(fixture.vertx()).start());
    cognito.publish("key-1");
    app = await(fixture.vertx().createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(request -> {
          if (!FakeCognito.answersEdgeCallback(request)) {
            request.response().putHeader("Content-Type", "text/html; charset=utf-8")
                .end("<!doctype html><title>app</title><h1 id=\"app\">The app on the shared port</h1>");
          }
        }).listen());
    gatewayPort = DynamoDbLocal.freePort();
    String shareUrl = "http://" + MAIN + ":" + gatewayPort + "/_runtime/api/sandboxes/" + CONV + "/ports/"
        + app.actualPort() + "/share";
    evil = await(fixture.vertx().createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(request -> request.response().putHeader("Content-Type", "text/html").end(
            "<!doctype html><form method=\"post\" action=\"" + shareUrl + "\" enctype=\"text/plain\">"
                + "<input name='{\"level\":\"public\",\"x\":\"' value='\"}'></form>"
                + "<script>document.forms[0].submit()</script>")).listen());
    fixture.table().putRunning(CONV, "user-a");
    fixture.table().set(CONV, Map.of("created_at", AttributeValue.fromN(Long.toString(Instant.now().getEpochSecond()
        - 3600))));
    fixture.gateway(Map.of("ORIGIN_VERIFY", "disabled", "RUNTIME_AUTH", "owner",
        "COGNITO_ISSUER", cognito.issuer(), "COGNITO_CLIENT_ID", FakeCognito.CLIENT_ID,
        "SIGN_IN_URL", "http://" + MAIN + ":" + gatewayPort + "/_login",
        "RUNTIME_SESSION_SECRET", "console-test-session-secret-0123456789",
        "GATEWAY_PORT", Integer.toString(gatewayPort),
        "APP_UPSTREAM", "http://127.0.0.1:" + app.actualPort()));
    chromium = HeadlessChromium.launch();
  }

  @AfterAll
  static void stop() throws Exception {
    if (chromium != null) {
      chromium.close();
    }
    fixture.close();
  }

  static String mainUrl(String path) {
    return "http://" + MAIN + ":" + gatewayPort + path;
  }

  static String runtimeUrl() {
    return "http://" + app.actualPort() + "-" + CONV + ".runtime." + MAIN + ":" + gatewayPort + "/";
  }

  /** A browser signed in on the main host as {@code user} (what the edge function's callback leaves behind). */
  static Page signedIn(String user) {
    Page page = chromium.browser().newContext().newPage();
    page.navigate(mainUrl(FakeCognito.EDGE_CALLBACK + "?token=" + cognito.idToken(user, "key-1")));
    assertEquals("signed in", page.locator("body").innerText());
    return page;
  }

  static Locator row(Page console) {
    return console.locator("tr[data-id='" + CONV + "']");
  }

  static void share(Page console, String level, String users) {
    Locator form = row(console).locator("form.share");
    form.locator("input[name=port]").fill(Integer.toString(app.actualPort()));
    form.locator("select[name=level]").selectOption(level);
    if (users != null) {
      form.locator("input[name=users]").fill(users);
    }
    // The message of an earlier change must not pass for this one's.
    console.evaluate("document.getElementById('message').textContent = ''");
    form.locator("button[type=submit]").click();
    PlaywrightAssertions.assertThat(console.locator("#message")).hasText("Port " + app.actualPort()
        + " is shared with " + AUDIENCE.get(level) + ".");
  }

  static final Map<String, String> AUDIENCE = Map.of("public", "anyone with the link",
      "users", "you and the users you named", "authenticated", "every signed-in user");

  static String stored() {
    AttributeValue shares = fixture.table().get(CONV).get("shares");
    AttributeValue port = shares == null ? null : shares.m().get(Integer.toString(app.actualPort()));
    return port == null ? "none" : port.m().get("level").s();
  }

  @Test
  void theOwnerSharesAPort_publicThenNamed_andACrossSitePostIsRefused() {
    Page console = signedIn("user-a");
    console.navigate(mainUrl("/_runtime/"));
    PlaywrightAssertions.assertThat(console.locator("#who")).hasText("Signed in as user-a.");
    PlaywrightAssertions.assertThat(row(console)).containsText("RUNNING");
    PlaywrightAssertions.assertThat(row(console)).containsText("None: every port is yours only");

    share(console, "public", null);
    PlaywrightAssertions.assertThat(row(console).locator("ul.shares")).containsText("Public");
    assertEquals("public", stored());
    console.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/screenshots/console.png"))
        .setFullPage(true));

    Page visitor = chromium.browser().newContext().newPage();
    Response opened = visitor.navigate(runtimeUrl());
    assertEquals(200, opened.status(), "a public port opens with no session at all");
    PlaywrightAssertions.assertThat(visitor.locator("#app")).hasText("The app on the shared port");

    share(console, "users", "user-friend");
    assertEquals("users", stored());
    PlaywrightAssertions.assertThat(row(console).locator("ul.shares")).containsText("Named users (user-friend)");
    Page friend = signedIn("user-friend");
    assertEquals(200, friend.navigate(runtimeUrl()).status(), "the named user, signed in through the handshake");
    PlaywrightAssertions.assertThat(friend.locator("#app")).hasText("The app on the shared port");
    Page other = signedIn("user-other");
    other.navigate(runtimeUrl());
    // The handshake's own page posts the proof back to the runtime host; the answer there is the refusal.
    PlaywrightAssertions.assertThat(other.locator("h1")).hasText("403 Forbidden");
    PlaywrightAssertions.assertThat(other.locator("body")).containsText("belongs to another user");
    assertEquals(runtimeUrl(), other.url());
    visitor.navigate(runtimeUrl());
    PlaywrightAssertions.assertThat(visitor.locator("h1")).hasText("401 Unauthorized");
    assertTrue(visitor.url().startsWith(mainUrl("/_login?return=")),
        "no longer public: a browser without a session is sent to sign in: " + visitor.url());

    Page attacker = console.context().newPage();
    Response posted = attacker.waitForResponse(r -> r.url().contains("/_runtime/api/"),
        () -> attacker.navigate("http://127.0.0.1:" + evil.actualPort() + "/"));
    assertTrue(posted.status() == 401 || posted.status() == 403, "refused: " + posted.status());
    assertEquals("users", stored(), "the cross-site post wrote nothing");

    console.evaluate("document.getElementById('message').textContent = ''");
    row(console).locator("ul.shares button").click();
    PlaywrightAssertions.assertThat(console.locator("#message")).containsText("yours only again");
    assertEquals("none", stored());
    friend.navigate(runtimeUrl());
    PlaywrightAssertions.assertThat(friend.locator("h1")).hasText("403 Forbidden");
  }
}
