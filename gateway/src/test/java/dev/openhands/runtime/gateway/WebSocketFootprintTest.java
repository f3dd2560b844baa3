package dev.openhands.runtime.gateway;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.TestClient;
import io.vertx.core.Future;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Row 10's memory: once its frames flow, a proxied WebSocket keeps nothing of Vert.x's HTTP exchange reachable in the
 * gateway (its connection objects hold a write queue of several KiB each). Counted with the JVM's own class
 * histogram, which collects the heap first: the sandbox, a Vert.x server, holds one HTTP connection per socket, so
 * a gateway that kept its client connections would show two per socket.
 */
@Timeout(120)
class WebSocketFootprintTest {

  static final String CONV = "0123456789abcdef0123456789abcd01";
  static final int SOCKETS = 40; // under the test client's pool of 50 per host
  static final String SERVER_CONNECTION = "io.vertx.core.http.impl.Http1xServerConnection";

  @Test
  void row10_anOpenProxiedWebSocketHoldsNoVertxConnectionInTheGateway() throws Exception {
    try (GatewayFixture fixture = GatewayFixture.start("sandboxes-ws-footprint")) {
      fixture.table().putRunning(CONV, "");
      TestClient client = fixture.client(fixture.gateway(Map.of()));
      String host = fixture.recording().port() + "-" + CONV + ".runtime.openhands.example.com";
      long before = instances(SERVER_CONNECTION);
      List<WebSocket> sockets = new ArrayList<>();
      for (int i = 0; i < SOCKETS; i++) {
        WebSocket socket = await(client.webSocket().connect(new WebSocketConnectOptions().setHost("127.0.0.1")
            .setPort(client.port()).setURI("/ws").setHeaders(viaCdn(host))));
        sockets.add(socket);
      }
      // The last socket relays both ways: the frames flow, so every relay has started.
      CompletableFuture<String> echo = new CompletableFuture<>();
      WebSocket last = sockets.get(SOCKETS - 1);
      last.textMessageHandler(echo::complete);
      last.writeTextMessage("still relayed");
      assertEquals("still relayed", echo.get(10, TimeUnit.SECONDS));

      long held = instances(SERVER_CONNECTION) - before;
      assertTrue(held >= SOCKETS, "the sandbox's own connections are counted: " + held);
      assertTrue(held < SOCKETS * 3 / 2, held + " HTTP server connections for " + SOCKETS
          + " sockets: the gateway keeps its client connections' Vert.x objects");
      await(Future.join(sockets.stream().map(WebSocket::close).toList()));
    }
  }

  /** Live instances of {@code className} after a full collection ({@code jcmd GC.class_histogram}, in-process). */
  static long instances(String className) throws Exception {
    String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    Matcher row = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+\\d+\\s+" + Pattern.quote(className) + "\\b",
        Pattern.MULTILINE).matcher(histogram);
    return row.find() ? Long.parseLong(row.group(1)) : 0;
  }
}
