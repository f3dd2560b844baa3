package dev.openhands.runtime.orchestrator.testkit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The app's side of the remote-runtime API, as a real HTTP client (the JDK's) on loopback. */
public final class ApiClient {

  /** One answer: status and body text, with its JSON at hand. */
  public record Answer(int status, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public JsonArray array() {
      return new JsonArray(body);
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final int port;
  private final String apiKey;

  public ApiClient(int port, String apiKey) {
    this.port = port;
    this.apiKey = apiKey;
  }

  public Answer post(String path, String body) {
    return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json"));
  }

  public Answer post(String path, JsonObject body) {
    return post(path, body.encode());
  }

  public Answer get(String path) {
    return send(request(path).GET());
  }

  /** {@code POST /start} for {@code conversationId} with {@code environment}. */
  public Answer start(String conversationId, JsonObject environment) {
    return post("/start", new JsonObject().put("session_id", conversationId).put("environment", environment)
        .put("image", "ghcr.io/openhands/agent-server:1.19.1-python").put("working_dir", "/workspace")
        .put("resource_factor", 1));
  }

  /** {@code POST <path>} with {@code {"runtime_id": conversationId}}. */
  public Answer call(String path, String conversationId) {
    return post(path, new JsonObject().put("runtime_id", conversationId));
  }

  /** The same client with another key (or none). */
  /** Waits until the runtime object of {@code conversationId} says {@code status} (the app's name, "running"). */
  public Answer awaitStatus(String conversationId, String status) throws Exception {
    return dev.openhands.runtime.gateway.testkit.Poll.until(java.time.Duration.ofSeconds(60),
        () -> get("/sessions/" + conversationId), a -> status.equals(a.json().getString("status")),
        a -> "not " + status + ": " + a.body());
  }

  public ApiClient withKey(String key) {
    return new ApiClient(port, key);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20));
    return apiKey == null ? builder : builder.header("X-API-Key", apiKey);
  }

  private Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
