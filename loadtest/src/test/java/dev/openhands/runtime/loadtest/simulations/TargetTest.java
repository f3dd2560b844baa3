package dev.openhands.runtime.loadtest.simulations;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A deployment is addressed the way browsers reach it: runtime hosts under the main host, over TLS. */
class TargetTest {

  private final Target deployed = new Target.Deployed(URI.create("https://openhands.example.com/"),
      List.of("0123456789abcdef0123456789abcdef"), 5173, "eyJ.token.sig");

  @Test
  void deployed_runtimeHostFormUnderTheMainHost() {
    assertEquals("5173-0123456789abcdef0123456789abcdef.runtime.openhands.example.com", deployed.runtimeHost(0));
    assertEquals("https://5173-0123456789abcdef0123456789abcdef.runtime.openhands.example.com",
        deployed.runtimeUrl(0));
    assertEquals("wss://5173-0123456789abcdef0123456789abcdef.runtime.openhands.example.com",
        deployed.runtimeWebSocketUrl(0));
    assertEquals("wss://openhands.example.com", deployed.mainWebSocketUrl());
  }

  @Test
  void deployed_sendsTheIdTokenCookieAndNoOriginSecret() {
    assertEquals(Map.of("Cookie", "id_token=eyJ.token.sig"), deployed.headers());
  }
}
