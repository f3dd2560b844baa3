package dev.openhands.runtime.lambda.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Secrets Manager's {@code GetSecretValue} on a free port of 127.0.0.1, in the service's wire format (AWS JSON 1.1,
 * {@code X-Amz-Target: secretsmanager.GetSecretValue}), for the real SDK client that {@link #client} points at it.
 * An unknown id is the service's {@code ResourceNotFoundException}; any other operation is refused.
 */
public final class SecretsManagerStandIn implements AutoCloseable {

  private static final String TARGET = "secretsmanager.GetSecretValue";

  private final Map<String, String> secrets = new ConcurrentHashMap<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final HttpServer server;
  private final SecretsManagerClient client;

  public SecretsManagerStandIn() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::answer);
    server.start();
    client = SecretsManagerClient.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
        .region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
        .build();
  }

  /** Stores {@code secretString} under {@code arn} (replacing an earlier value, as a rotation would). */
  public void put(String arn, String secretString) {
    secrets.put(arn, secretString);
  }

  public SecretsManagerClient client() {
    return client;
  }

  /** How many {@code GetSecretValue} calls were answered. */
  public int reads() {
    return reads.get();
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange) {
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      if (!TARGET.equals(target)) {
        send(exchange, 400, error("UnknownOperationException", "not played here: " + target));
        return;
      }
      JsonNode request = JsonNode.parser().parse(exchange.getRequestBody());
      String id = request.field("SecretId").map(JsonNode::text).orElse("");
      String value = secrets.get(id);
      if (value == null) {
        send(exchange, 400, error("ResourceNotFoundException", "Secrets Manager can't find the specified secret."));
        return;
      }
      reads.incrementAndGet();
      send(exchange, 200, "{\"ARN\":" + quoted(id) + ",\"Name\":" + quoted(id) + ",\"VersionId\":\"v1\","
          + "\"SecretString\":" + quoted(value) + ",\"VersionStages\":[\"AWSCURRENT\"]}");
    }
  }

  private static String error(String type, String message) {
    return "{\"__type\":" + quoted(type) + ",\"message\":" + quoted(message) + "}";
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static String quoted(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char ch : text.toCharArray()) {
      switch (ch) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (ch < 0x20) {
            out.append(String.format("\\u%04x", (int) ch));
          } else {
            out.append(ch);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  @Override
  public void close() {
    client.close();
    server.stop(0);
  }
}
