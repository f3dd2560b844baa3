package dev.openhands.runtime.gateway.security;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.Cookie;
import dev.openhands.runtime.gateway.testkit.FakeCognito;
import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.HeadlessChromium;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runtime-host sign-in in a real browser (Debian's headless Chromium): signed in on the main host
 * ({@code openhands.localhost}; the app's stand-in sets {@code __Host-id_token} as the edge function's callback does),
 * the user opens a
 * runtime host, which gets its own session through the handshake; the sandbox's page then sees none of the
 * platform's cookies in {@code document.cookie}, and its script tossing cookies for the parent domain changes
 * nobody's session, on the main host or on the runtime host.
 */
@Timeout(120)
class RuntimeSignInBrowserTest {

  static final String CONV = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";
  static final String MAIN = "openhands.localhost";
  static final String PAGE = """
      <!doctype html><html><body><pre id="cookies"></pre><pre id="tossed"></pre><script>
      document.getElementById('cookies').textContent = 'seen:' + document.cookie;
      const t = new URLSearchParams(location.search).get('toss');
      if (t) {
        document.cookie = 'id_token=' + t + '; Domain=openhands.localhost; Path=/';
        document.cookie = 'auth_state=forged; Domain=openhands.localhost; Path=/';
        document.cookie = '__Host-id_token=' + t + '; Domain=openhands.localhost; Path=/; Secure';
        document.cookie = '__Host-id_token=' + t + '; Path=/; Secure';
        document.cookie = '__Host-oh_runtime=' + t + '; Path=/; Secure';
        document.getElementById('tossed').textContent = 'tossed';
      }
      </script></body></html>
      """;

  static GatewayFixture fixture;
  static FakeCognito cognito;
  static HttpServer app;
  static int gatewayPort;
  static HeadlessChromium chromium;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-browser");
    cognito = await(new FakeCognito(fixture.vertx()).start());
    cognito.publish("key-1");
    app = await(fixture.vertx().createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(request -> {
          if (FakeCognito.answersEdgeCallback(request)) {
            return;
          }
          if (request.path().endsWith("/whoami")) {
            request.response().putHeader("Content-Type", "application/json").end(new JsonObject()
                .put("user", request.getHeader("X-Cognito-User-Id"))
                .put("cookies", request.getHeader("Cookie")).encode());
          } else {
            request.response().putHeader("Content-Type", "text/html; charset=utf-8").end(PAGE);
          }
        }).listen());
    fixture.table().putRunning(CONV, "user-a");
    GatewayUnderTest gateway = fixture.gateway(Map.of("ORIGIN_VERIFY", "disabled", "RUNTIME_AUTH", "owner",
        "COGNITO_ISSUER", cognito.issuer(), "COGNITO_CLIENT_ID", FakeCognito.CLIENT_ID,
        "SIGN_IN_URL", "http://" + MAIN + ":" + placeholderPort() + "/_login",
        "RUNTIME_SESSION_SECRET", "browser-test-session-secret-0123456789",
        "GATEWAY_PORT", Integer.toString(placeholderPort()),
        "APP_UPSTREAM", "http://127.0.0.1:" + app.actualPort()));
    gatewayPort = gateway.port();
    chromium = HeadlessChromium.launch();
  }

  /** The gateway's port is known only once it runs; the sign-in URL needs it first, so both use a chosen one. */
  static int placeholderPort() throws Exception {
    if (chosenPort == 0) {
      chosenPort = dev.openhands.runtime.gateway.testkit.DynamoDbLocal.freePort();
    }
    return chosenPort;
  }

  static int chosenPort;

  @AfterAll
  static void stop() throws Exception {
    if (chromium != null) {
      chromium.close();
    }
    fixture.close();
  }

  static String runtimeUrl(String path) {
    return "http://" + app.actualPort() + "-" + CONV + ".runtime." + MAIN + ":" + gatewayPort + path;
  }

  static String mainUrl(String path) {
    return "http://" + MAIN + ":" + gatewayPort + path;
  }

  static JsonObject json(Page page, String url) {
    page.navigate(url);
    return new JsonObject(page.locator("body").innerText());
  }

  @Test
  void signedInOnTheMainHost_opensARuntimeHost_whoseCodeSeesNoTokenAndCannotTossASession() {
    BrowserContext context = chromium.browser().newContext();
    String victim = cognito.idToken("user-a", "key-1");
    String attacker = cognito.idToken("attacker", "key-1");
    Page page = context.newPage();
    page.navigate(mainUrl("/_test/sign-in?token=" + victim));
    assertEquals("signed in", page.locator("body").innerText());

    page.navigate(runtimeUrl("/"));
    assertEquals(runtimeUrl("/"), page.url(), "back on the runtime host after the handshake");
    assertEquals("seen:", page.locator("#cookies").innerText(), "document.cookie shows nothing of the platform's");
    assertEquals("user-a", json(page, runtimeUrl("/whoami")).getString("user"));

    page.navigate(runtimeUrl("/?toss=" + attacker));
    assertEquals("tossed", page.locator("#tossed").innerText());

    JsonObject main = json(page, mainUrl("/runtime/" + CONV + "/" + app.actualPort() + "/whoami"));
    assertEquals("user-a", main.getString("user"), "the main host's identity is unchanged");
    String forwarded = String.valueOf(main.getString("cookies"));
    assertFalse(forwarded.contains("id_token"), "no id token reaches a sandbox: " + forwarded);
    assertEquals("user-a", json(page, runtimeUrl("/whoami")).getString("user"), "nor is the runtime host's");

    List<Cookie> mainCookies = context.cookies().stream().filter(c -> c.domain.equals(MAIN)).toList();
    assertTrue(mainCookies.stream().anyMatch(c -> c.name.equals(IdTokenVerifier.COOKIE) && c.value.equals(victim)),
        "the victim's own cookie stays");
    assertTrue(mainCookies.stream().noneMatch(c -> c.name.equals(IdTokenVerifier.COOKIE) && c.value.equals(attacker)),
        "the browser refused a __Host- cookie with a Domain");
    context.close();
  }
}
