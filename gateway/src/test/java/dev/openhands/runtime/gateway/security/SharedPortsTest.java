package dev.openhands.runtime.gateway.security;

import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import dev.openhands.runtime.gateway.testkit.TestClient;
import io.vertx.core.MultiMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Row 22: a port the owner shared opens to whom its level says, on the host form only; visitors are not named to the
 * sandbox; a port without a share, an unreadable share and the path form stay owner-only.
 */
@Timeout(60)
class SharedPortsTest {

  static final String PUBLIC = "22000000000000000000000000000001";
  static final String AUTHENTICATED = "22000000000000000000000000000002";
  static final String NAMED = "22000000000000000000000000000003";
  static final String UNSHARED = "22000000000000000000000000000004";
  static final String UNREADABLE = "22000000000000000000000000000005";

  static GatewayFixture fixture;
  static RecordingSandbox sandbox;
  static TestClient client;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-shares");
    sandbox = fixture.recording();
    for (String id : new String[] {PUBLIC, AUTHENTICATED, NAMED, UNSHARED, UNREADABLE}) {
      fixture.table().putRunning(id, "user-owner");
    }
    fixture.table().share(PUBLIC, sandbox.port(), "public");
    fixture.table().share(AUTHENTICATED, sandbox.port(), "authenticated");
    fixture.table().share(NAMED, sandbox.port(), "users", "user-friend");
    fixture.table().share(UNSHARED, sandbox.port() + 1, "public");
    fixture.table().share(UNREADABLE, sandbox.port(), "everyone");
    client = fixture.client(fixture.gateway(Map.of("RUNTIME_AUTH", "owner")));
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static MultiMap as(String user, String conversation) {
    MultiMap headers = viaCdn(fixture.runtimeHost(conversation)).set("Accept", "application/json");
    return user == null ? headers : headers.set("X-Cognito-User-Id", user).set("X-Cognito-Email", user + "@example.com");
  }

  static void drain() throws InterruptedException {
    while (sandbox.anyReceived()) {
      sandbox.next();
    }
  }

  /** Opens the port as {@code user} and returns the identity the sandbox was told, or fails on another status. */
  static RecordingSandbox.Received opens(String user, String conversation) throws Exception {
    drain();
    TestClient.Response r = client.get("/", as(user, conversation));
    assertEquals(200, r.status(), user + " on " + conversation + ": " + r.body());
    return sandbox.next();
  }

  static void refused(int status, String user, String conversation) throws Exception {
    drain();
    assertEquals(status, client.get("/", as(user, conversation)).status(), user + " on " + conversation);
    assertFalse(sandbox.anyReceived(), "nothing reached the sandbox");
  }

  @Test
  void public_opensToAnyone_andVisitorsAreNotNamed() throws Exception {
    RecordingSandbox.Received anonymous = opens(null, PUBLIC);
    assertNull(anonymous.headers().get("X-Cognito-User-Id"));
    RecordingSandbox.Received visitor = opens("user-visitor", PUBLIC);
    assertNull(visitor.headers().get("X-Cognito-User-Id"), "a visitor is not named to the sandbox");
    assertNull(visitor.headers().get("X-Cognito-Email"));
    RecordingSandbox.Received owner = opens("user-owner", PUBLIC);
    assertEquals("user-owner", owner.headers().get("X-Cognito-User-Id"), "the owner's own requests are");
  }

  @Test
  void authenticated_opensToAnySignedInUser() throws Exception {
    assertNull(opens("user-visitor", AUTHENTICATED).headers().get("X-Cognito-User-Id"));
    refused(403, null, AUTHENTICATED);
  }

  @Test
  void users_opensToTheNamedOnly() throws Exception {
    assertNull(opens("user-friend", NAMED).headers().get("X-Cognito-User-Id"));
    refused(403, "user-visitor", NAMED);
    refused(403, null, NAMED);
  }

  @Test
  void aPortWithoutAShare_anUnreadableShare_andThePathForm_stayOwnerOnly() throws Exception {
    refused(403, "user-visitor", UNSHARED);
    refused(403, null, UNREADABLE);
    drain();
    MultiMap path = viaCdn("openhands.example.com").set("Accept", "application/json");
    assertEquals(403, client.get("/runtime/" + PUBLIC + "/" + sandbox.port() + "/", path).status(),
        "the path form lives on the app's origin: never shared");
    assertFalse(sandbox.anyReceived());
    assertEquals("user-owner", opens("user-owner", UNSHARED).headers().get("X-Cognito-User-Id"));
  }
}
