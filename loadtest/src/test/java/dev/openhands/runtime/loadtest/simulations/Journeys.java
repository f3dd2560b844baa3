package dev.openhands.runtime.loadtest.simulations;

import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.core.CoreDsl.repeat;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;
import static io.gatling.javaapi.http.HttpDsl.ws;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.time.Duration;

/**
 * What users do, as small named chains over the session attributes of {@link LoadSimulation#users()}. Runtime
 * chains go to the app in the user's sandbox ({@code /bytes/{n}} answers n bytes; the sandbox echoes WebSocket
 * messages); app chains go to the OpenHands app on the main host.
 */
final class Journeys {

  private Journeys() {}

  /** Open the sandbox app: the HTML page, then its script, styles and a large bundle (1 KiB to 1 MiB). */
  static final ChainBuilder OPEN_SANDBOX_APP = group("open sandbox app").on(exec(
      runtimeGet("page", 4096), runtimeGet("script", 65536), runtimeGet("styles", 1024),
      runtimeGet("bundle", 1_048_576)));

  /** Click around the sandbox app: API calls of a few KiB with think time between them. */
  static final ChainBuilder USE_SANDBOX_APP = group("use sandbox app").on(
      exec(runtimeGet("api", 2048))
          .pause(Duration.ofMillis(100), Duration.ofMillis(400))
          .exec(runtimeGet("api", 8192)));

  /** Work in OpenHands itself: the app's page and API calls on the main host (the gateway's APP_UPSTREAM). */
  static final ChainBuilder USE_OPENHANDS = group("use OpenHands").on(
      exec(mainGet("app page", "/"), mainGet("app bundle", "/bytes/32768"))
          .pause(Duration.ofMillis(100), Duration.ofMillis(300))
          .exec(mainGet("conversations", "/api/conversations"), mainGet("settings", "/api/settings")));

  /**
   * The agent server's event stream (path form on the main host): {@code messages} messages a second apart,
   * each echo checked.
   */
  static ChainBuilder holdEventStream(int messages) {
    return group("hold event stream").on(
        exec(ws("connect event stream").connect("#{mainWs}#{runtimePath}/sockets/events")
            .header("Host", "#{mainHost}"))
            .exec(talk(messages)));
  }

  /** A WebSocket of the sandbox app itself (host form), as a dev server's live reload holds one. */
  static ChainBuilder holdAppSocket(int messages) {
    return group("hold app socket").on(
        exec(ws("connect app socket").connect("#{runtimeWs}/sockets/app").header("Host", "#{runtimeHost}"))
            .exec(talk(messages)));
  }

  private static ChainBuilder talk(int messages) {
    return exec(repeatEcho(messages)).exec(ws("close").close());
  }

  private static ChainBuilder repeatEcho(int messages) {
    return repeat(messages, "n").on(
        exec(ws("message").sendText("event #{n}")
            .await(Duration.ofSeconds(5)).on(ws.checkTextMessage("echo").check(
                bodyString().is(session -> "event " + session.getInt("n")))))
            .pause(Duration.ofSeconds(1)));
  }

  private static HttpRequestActionBuilder runtimeGet(String name, int bytes) {
    return http(name).get("#{runtimeUrl}/bytes/" + bytes).header("Host", "#{runtimeHost}")
        .check(status().is(200));
  }

  private static HttpRequestActionBuilder mainGet(String name, String path) {
    return http(name).get("#{mainUrl}" + path).header("Host", "#{mainHost}").check(status().is(200));
  }
}
