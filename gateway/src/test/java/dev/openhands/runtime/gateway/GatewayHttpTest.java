package dev.openhands.runtime.gateway;

import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import dev.openhands.runtime.gateway.testkit.TestClient;
import dev.openhands.runtime.gateway.testkit.TestClient.Response;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP rows of the behaviour table, end to end: DynamoDB Local as the registry, real sandboxes on
 * loopback that record what reached them, and a real client.
 */
@Timeout(60)
class GatewayHttpTest {

  static final String CONV = "0123456789abcdef0123456789abcdef";
  static final String STOPPED = "fedcba9876543210fedcba9876543210";
  static final String UNKNOWN = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  static final String OWNED = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
  static final String LOWERCASE_STATUS = "cccccccccccccccccccccccccccccccc";

  static GatewayFixture fixture;
  static DynamoDbLocal dynamo;
  static RegistryTable table;
  static Vertx vertx;
  static RecordingSandbox sandbox;
  static RecordingSandbox app;
  static GatewayUnderTest gateway;
  static GatewayUnderTest ownerGateway;
  static TestClient client;
  static TestClient ownerClient;
  static int closedPort;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-http");
    dynamo = fixture.dynamo();
    table = fixture.table();
    vertx = fixture.vertx();
    sandbox = fixture.recording();
    app = fixture.sandbox();
    closedPort = DynamoDbLocal.freePort();
    table.putRunning(CONV, "");
    table.put(STOPPED, "STOPPED", null, "user-a");
    table.put(OWNED, "RUNNING", "127.0.0.1", "user-a");
    table.put(LOWERCASE_STATUS, "running", "127.0.0.1", "");
    gateway = fixture.gateway(Map.of("APP_UPSTREAM", "http://127.0.0.1:" + app.port(), "ORIGIN_VERIFY_SECRET",
        GatewayUnderTest.SECRET + "," + GatewayUnderTest.SECOND_SECRET));
    ownerGateway = fixture.gateway(Map.of("RUNTIME_AUTH", "owner"));
    client = fixture.client(gateway);
    ownerClient = fixture.client(ownerGateway);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static String runtimeHost(int port, String conv) {
    return port + "-" + conv + ".runtime.openhands.example.com";
  }

  static void drain(RecordingSandbox s) {
    while (s.anyReceived()) {
      try {
        s.next();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Test
  void row01_health_answersOkWithoutOriginHeader() throws Exception {
    Response r = client.get("/health", HttpHeaders.headers().set("Host", "10.0.1.23:8080"));
    assertEquals(200, r.status());
    assertEquals("OK", r.body());
  }

  @Test
  void row01_healthOnRuntimeHost_isTheSandboxesOwnPath() throws Exception {
    drain(sandbox);
    Response r = client.get("/health", viaCdn(runtimeHost(sandbox.port(), CONV)));
    assertEquals(200, r.status());
    assertEquals("sandbox " + sandbox.port() + " GET /health", r.body());
    assertEquals("/health", sandbox.next().uri());
  }

  @Test
  void row02_missingOrWrongOriginHeader_isRefusedAndNothingProxied() throws Exception {
    drain(sandbox);
    Response none = client.get("/", HttpHeaders.headers().set("Host", runtimeHost(sandbox.port(), CONV)));
    Response wrong = client.get("/", HttpHeaders.headers().set("Host", runtimeHost(sandbox.port(), CONV))
        .set("X-Origin-Verify", GatewayUnderTest.SECRET + "x"));
    Response prefix = client.get("/", HttpHeaders.headers().set("Host", runtimeHost(sandbox.port(), CONV))
        .set("X-Origin-Verify", GatewayUnderTest.SECRET.substring(0, 10)));
    assertEquals(403, none.status());
    assertEquals(403, wrong.status());
    assertEquals(403, prefix.status());
    assertFalse(sandbox.anyReceived());
  }

  @Test
  void row02_bothSecretsAcceptedDuringRotation() throws Exception {
    MultiMap second = HttpHeaders.headers().set("Host", runtimeHost(sandbox.port(), CONV))
        .set("X-Origin-Verify", GatewayUnderTest.SECOND_SECRET);
    assertEquals(200, client.get("/", viaCdn(runtimeHost(sandbox.port(), CONV))).status());
    assertEquals(200, client.get("/", second).status());
  }

  @Test
  void row03_hostForm_keepsPathAndQuery() throws Exception {
    drain(sandbox);
    Response r = client.get("/app/page?x=1&y=%2F", viaCdn(runtimeHost(sandbox.port(), CONV)));
    assertEquals(200, r.status());
    assertEquals("/app/page?x=1&y=%2F", sandbox.next().uri());
  }

  @Test
  void row03_pathForm_stripsPrefixAndKeepsQuery() throws Exception {
    drain(sandbox);
    String prefix = "/runtime/" + CONV + "/" + sandbox.port();
    assertEquals(200, client.get(prefix + "/sockets/events?id=7", viaCdn("openhands.example.com")).status());
    assertEquals("/sockets/events?id=7", sandbox.next().uri());
    assertEquals(200, client.get(prefix, viaCdn("openhands.example.com")).status());
    assertEquals("/", sandbox.next().uri());
    assertEquals(200, client.get(prefix + "?q=1", viaCdn("openhands.example.com")).status());
    assertEquals("/?q=1", sandbox.next().uri());
  }

  @Test
  void row04_malformedAddresses_are400WithoutLookup() throws Exception {
    drain(sandbox);
    List<String> hosts = List.of(
        "5000-0123456789abcdef0123456789abcde.runtime.example.com",
        "5000-0123456789abcdef0123456789abcdeg.runtime.example.com",
        "05000-" + CONV + ".runtime.example.com",
        "0-" + CONV + ".runtime.example.com",
        "65536-" + CONV + ".runtime.example.com",
        "x.5000-" + CONV + ".runtime.example.com",
        "5000" + CONV + ".runtime.example.com");
    for (String host : hosts) {
      Response r = client.get("/", viaCdn(host));
      assertEquals(400, r.status(), host);
      assertEquals("SAMEORIGIN", r.header("X-Frame-Options"), host);
    }
    assertEquals(400, client.get("/runtime/" + CONV + "/0/", viaCdn("openhands.example.com")).status());
    assertEquals(400, client.get("/runtime/" + CONV + "/5000x", viaCdn("openhands.example.com")).status());
    assertEquals(400, client.get("/runtime/not-a-conversation/5000/", viaCdn("openhands.example.com")).status());
    assertFalse(sandbox.anyReceived());
  }

  @Test
  void row05_unknownConversation_is404InTheFormatAsked() throws Exception {
    String host = runtimeHost(sandbox.port(), UNKNOWN);
    Response html = client.get("/", viaCdn(host).set("Sec-Fetch-Mode", "navigate"));
    Response json = client.get("/", viaCdn(host).set("Accept", "application/json"));
    Response text = client.get("/", viaCdn(host));
    assertEquals(404, html.status());
    assertTrue(html.header("Content-Type").startsWith("text/html"));
    assertTrue(html.body().contains("<h1>404"));
    assertEquals(404, json.status());
    assertTrue(json.header("Content-Type").startsWith("application/json"));
    assertTrue(json.body().startsWith("{\"status\":404"));
    assertEquals(404, text.status());
    assertTrue(text.header("Content-Type").startsWith("text/plain"));
  }

  @Test
  void row05_knownButStopped_is409NamingTheStatus() throws Exception {
    Response r = client.get("/", viaCdn(runtimeHost(sandbox.port(), STOPPED)).set("Sec-Fetch-Mode", "cors"));
    assertEquals(409, r.status());
    assertTrue(r.header("Content-Type").startsWith("application/json"));
    assertTrue(r.body().contains("stopped"), r.body());
  }

  @Test
  void row05_statusIsComparedCaseInsensitively() throws Exception {
    assertEquals(200, client.get("/", viaCdn(runtimeHost(sandbox.port(), LOWERCASE_STATUS))).status());
  }

  @Test
  void row07_owner_mayOpen_othersAndAnonymousMayNot() throws Exception {
    String host = runtimeHost(sandbox.port(), OWNED);
    assertEquals(200, ownerClient.get("/", viaCdn(host).set("X-Cognito-User-Id", "user-a")).status());
    assertEquals(403, ownerClient.get("/", viaCdn(host).set("X-Cognito-User-Id", "user-b")).status());
    assertEquals(403, ownerClient.get("/", viaCdn(host)).status());
    String unowned = runtimeHost(sandbox.port(), CONV);
    assertEquals(200, ownerClient.get("/", viaCdn(unowned).set("X-Cognito-User-Id", "user-b")).status());
    assertEquals(403, ownerClient.get("/", viaCdn(unowned)).status());
  }

  @Test
  void reservedSignInPath_isAnsweredByTheGateway_evenWithoutSignIn_andNeverReachesTheSandbox() throws Exception {
    while (sandbox.anyReceived()) {
      sandbox.next();
    }
    Response r = client.send(io.vertx.core.http.HttpMethod.POST, "/_runtime/session",
        viaCdn(runtimeHost(sandbox.port(), CONV)).set("Content-Length", "0"), io.vertx.core.buffer.Buffer.buffer());
    assertEquals(404, r.status());
    assertEquals("nosniff", r.header("X-Content-Type-Options"));
    assertFalse(sandbox.anyReceived());
  }

  @Test
  void row08_closedPort_is502Text() throws Exception {
    Response r = client.get("/", viaCdn(runtimeHost(closedPort, CONV)));
    assertEquals(502, r.status());
    assertTrue(r.header("Content-Type").startsWith("text/plain"));
    assertEquals("nosniff", r.header("X-Content-Type-Options"));
  }

  @Test
  void row08_corsProbeOnClosedPort_is204NoStore() throws Exception {
    Response r = client.get("/", viaCdn(runtimeHost(closedPort, CONV))
        .set("Origin", "https://openhands.example.com").set("Accept", "application/json"));
    assertEquals(204, r.status());
    assertEquals("no-store", r.header("Cache-Control"));
    Response navigate = client.get("/", viaCdn(runtimeHost(closedPort, CONV))
        .set("Origin", "https://openhands.example.com").set("Accept", "application/json")
        .set("Sec-Fetch-Mode", "navigate"));
    assertEquals(502, navigate.status());
  }

  @Test
  void row12_securityHeadersAddedUnlessSandboxSetThem() throws Exception {
    Response plain = client.get("/", viaCdn(runtimeHost(sandbox.port(), CONV)));
    assertEquals("SAMEORIGIN", plain.header("X-Frame-Options"));
    assertEquals("nosniff", plain.header("X-Content-Type-Options"));
    assertEquals("strict-origin-when-cross-origin", plain.header("Referrer-Policy"));
    assertEquals("frame-ancestors 'self'", plain.header("Content-Security-Policy"));
    Response own = client.get("/own-headers", viaCdn(runtimeHost(sandbox.port(), CONV)));
    assertEquals("DENY", own.header("X-Frame-Options"));
    assertEquals("default-src 'none'", own.header("Content-Security-Policy"));
    assertEquals(1, own.headers().getAll("X-Frame-Options").size());
  }

  @Test
  void row12_setCookieLosesDomainAndGainsSecureAndSameSite() throws Exception {
    Response r = client.get("/cookie", viaCdn(runtimeHost(sandbox.port(), CONV)));
    List<String> cookies = r.headers().getAll("Set-Cookie");
    assertEquals(List.of("plain=1; Secure; SameSite=Strict", "scoped=2; Path=/; HttpOnly; Secure; SameSite=Strict",
        "lax=3; SameSite=Lax; Secure"), cookies);
  }

  @Test
  void row13_trustHeadersAndPlatformCookiesNeverReachTheSandbox() throws Exception {
    drain(sandbox);
    MultiMap headers = viaCdn(runtimeHost(sandbox.port(), CONV))
        .set("Cookie", "id_token=eyJsecret; theme=dark; refresh_token=r3fresh; session=abc")
        .set("X-Forwarded-For", "198.51.100.7")
        .set("X-Amzn-Trace-Id", "Root=1-abc")
        .set("Connection", "keep-alive, X-Hop")
        .set("X-Hop", "drop me")
        .set("X-Cognito-User-Id", "user-a");
    assertEquals(200, client.get("/", headers).status());
    MultiMap got = sandbox.next().headers();
    assertNull(got.get("X-Origin-Verify"));
    assertNull(got.get("X-Hop"));
    assertEquals("theme=dark; session=abc", got.get("Cookie"));
    assertEquals("198.51.100.7, 127.0.0.1", got.get("X-Forwarded-For"));
    assertEquals("https", got.get("X-Forwarded-Proto"));
    assertEquals(runtimeHost(sandbox.port(), CONV), got.get("X-Forwarded-Host"));
    assertEquals(runtimeHost(sandbox.port(), CONV), got.get("Host"));
    assertEquals("Root=1-abc", got.get("X-Amzn-Trace-Id"));
    assertEquals("user-a", got.get("X-Cognito-User-Id"));
    assertTrue(got.get("X-Request-Id").matches("[0-9a-f]{32}"), got.get("X-Request-Id"));
  }

  @Test
  void row13_cognitoHeadersFromUnverifiedRequestsAreDropped() throws Exception {
    try (GatewayUnderTest open = GatewayUnderTest.start(dynamo, table.name(), Map.of("ORIGIN_VERIFY", "disabled"))) {
      TestClient openClient = new TestClient(vertx, open.port());
      drain(sandbox);
      MultiMap headers = HttpHeaders.headers().set("Host", runtimeHost(sandbox.port(), CONV))
          .set("X-Cognito-User-Id", "forged").set("X-Cognito-Email", "forged@example.com");
      assertEquals(200, openClient.get("/", headers).status());
      MultiMap got = sandbox.next().headers();
      assertNull(got.get("X-Cognito-User-Id"));
      assertNull(got.get("X-Cognito-Email"));
      assertEquals("http", got.get("X-Forwarded-Proto"));
    }
  }

  @Test
  void row13_hopByHopResponseHeadersAreRemoved() throws Exception {
    Response r = client.get("/hop", viaCdn(runtimeHost(sandbox.port(), CONV)));
    assertEquals(200, r.status());
    assertNull(r.header("X-Internal"));
    assertNull(r.header("Keep-Alive"));
  }

  @Test
  void row15_otherHostsGoToTheAppWithTheSameHeaderRules() throws Exception {
    drain(app);
    MultiMap headers = viaCdn("openhands.example.com").set("Cookie", "id_token=kept-for-the-app");
    Response r = client.get("/api/conversations?page=2", headers);
    assertEquals(200, r.status());
    RecordingSandbox.Received got = app.next();
    assertEquals("/api/conversations?page=2", got.uri());
    assertEquals("openhands.example.com", got.headers().get("Host"));
    assertNull(got.headers().get("X-Origin-Verify"));
    assertEquals("id_token=kept-for-the-app", got.headers().get("Cookie"));
    assertNull(r.header("X-Frame-Options"));
  }

  @Test
  void metrics_countRequestsByRouteAndStatus_onTheAdminPortOnly() throws Exception {
    client.get("/", viaCdn(runtimeHost(sandbox.port(), CONV)));
    client.get("/", viaCdn(runtimeHost(sandbox.port(), UNKNOWN)));
    TestClient admin = new TestClient(vertx, gateway.gateway().config().adminPort());
    Response metrics = admin.get("/metrics", HttpHeaders.headers());
    assertEquals(200, metrics.status());
    String text = metrics.body();
    assertTrue(text.contains("gateway_requests_seconds_count{route=\"sandbox\",status=\"200\"}"), text);
    assertTrue(text.contains("gateway_requests_seconds_count{route=\"sandbox\",status=\"404\"}"), text);
    assertTrue(text.contains("gateway_registry_read_seconds_count{outcome=\"ok\"}"), text);
    assertTrue(text.contains("cache_gets_total{cache=\"routes\",result=\"hit\"}"), text);
    assertTrue(text.contains("gateway_websockets_open"), text);
    assertEquals(404, ownerClient.get("/metrics", viaCdn("openhands.example.com")).status(),
        "metrics are not served on the traffic port");
  }

  @Test
  void row15_withoutAppUpstream_otherRequestsAre404() throws Exception {
    Response r = ownerClient.get("/api/conversations", viaCdn("openhands.example.com"));
    assertEquals(404, r.status());
  }
}
