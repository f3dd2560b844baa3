package dev.openhands.runtime.lambda.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * A loopback server for an AWS service of the JSON 1.1 protocol: each {@code POST /} names its operation in
 * {@code X-Amz-Target} ({@code {prefix}.{Operation}}); errors are the protocol's {@code {"__type", "message"}}
 * with status 400. Subclasses answer the operations they play.
 */
abstract class AwsJsonStandIn implements AutoCloseable {

  /** An answer: status and the JSON text of the body. */
  record Answer(int status, String json) {
    static Answer ok(Map<String, String> fields) {
      return new Answer(200, object(fields));
    }

    static Answer error(String type, String message) {
      return new Answer(400, object(Map.of("__type", type, "message", message)));
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String prefix;
  private final HttpServer server;

  AwsJsonStandIn(String prefix) throws IOException {
    this.prefix = prefix + ".";
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::serve);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers {@code operation} (the target without its prefix) with the parsed request body. */
  abstract Answer answer(String operation, JsonNode request);

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String target = String.valueOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
      Answer answer = target.startsWith(prefix)
          ? answer(target.substring(prefix.length()), JsonNode.parser().parse(exchange.getRequestBody()))
          : Answer.error("UnknownOperationException", "not played here: " + target);
      byte[] bytes = answer.json().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
      exchange.sendResponseHeaders(answer.status(), bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  /** A JSON object of string fields. */
  static String object(Map<String, String> fields) {
    try {
      return JSON.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
