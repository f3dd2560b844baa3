package dev.openhands.runtime.lambda.userconfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openhands.runtime.lambda.userconfig.UserConfigModel.Integration;
import dev.openhands.runtime.lambda.userconfig.UserConfigModel.InvalidInput;
import dev.openhands.runtime.lambda.userconfig.UserConfigModel.McpConfig;
import dev.openhands.runtime.lambda.userconfig.UserConfigModel.McpServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The routes of {@code /api/v1/user-config/...}, as the original's function answers them, for one signed-in
 * user's {@link UserConfigStore}: MCP servers, secrets (metadata out, values in), integrations, and the merged
 * view. Each route is one method; {@link #answer} picks it from the method and path.
 */
final class UserConfigApi {

  static final String BASE = "/api/v1/user-config";
  /** Ids in paths: what the original accepts (it rejects anything else with 400). */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,100}");
  private static final Pattern ITEM = Pattern.compile(Pattern.quote(BASE) + "/(mcp/servers|secrets|integrations)/([^/]*)");

  /** An answer: the status and the JSON body. */
  record Answer(int status, Object body, Map<String, String> headers) {
    Answer(int status, Object body) {
      this(status, body, Map.of());
    }
  }

  private final UserConfigStore store;
  private final ObjectMapper json;

  UserConfigApi(UserConfigStore store, ObjectMapper json) {
    this.store = store;
    this.json = json;
  }

  /** @param body the request's JSON body, or null when it had none */
  Answer answer(String method, String path, JsonNode body) {
    Matcher item = ITEM.matcher(path);
    if (item.matches()) {
      String id = item.group(2);
      if (!ID.matcher(id).matches()) {
        return error(400, "Invalid id in path (letters, digits, '-' and '_', at most 100)");
      }
      return switch (item.group(1) + " " + method) {
        case "mcp/servers PUT" -> withBody(body, b -> updateServer(id, b));
        case "mcp/servers DELETE" -> deleteServer(id);
        case "secrets PUT" -> withBody(body, b -> saveSecret(id, b));
        case "secrets DELETE" -> deleteSecret(id);
        case "integrations PUT" -> withBody(body, b -> saveIntegration(id, b));
        case "integrations DELETE" -> deleteIntegration(id);
        default -> notAllowed("PUT, DELETE");
      };
    }
    return switch (path) {
      case BASE + "/mcp" -> switch (method) {
        case "GET" -> new Answer(200, store.mcpConfig().orElseGet(McpConfig::empty));
        case "PUT" -> withBody(body, this::replaceMcpConfig);
        default -> notAllowed("GET, PUT");
      };
      case BASE + "/mcp/servers" -> method.equals("POST") ? withBody(body, this::addServer) : notAllowed("POST");
      case BASE + "/secrets" -> method.equals("GET") ? new Answer(200, Map.of("secrets", store.secrets()))
          : notAllowed("GET");
      case BASE + "/integrations" -> method.equals("GET") ? new Answer(200, store.integrations())
          : notAllowed("GET");
      case BASE + "/merged" -> method.equals("GET") ? merged() : notAllowed("GET");
      default -> error(404, "Not found");
    };
  }

  private Answer replaceMcpConfig(JsonNode body) {
    store.saveMcpConfig(json.convertValue(body, McpConfig.class));
    return message(200, "MCP configuration updated");
  }

  private Answer addServer(JsonNode body) {
    McpServer server = json.convertValue(body, McpServer.class);
    McpConfig config = store.mcpConfig().orElseGet(McpConfig::empty);
    if (findServer(config, server.id()).isPresent()) {
      return error(409, "Server with ID " + server.id() + " already exists");
    }
    List<McpServer> shttp = new ArrayList<>(config.shttpServers());
    List<McpServer> stdio = new ArrayList<>(config.stdioServers());
    (server.type().equals("shttp") ? shttp : stdio).add(server);
    store.saveMcpConfig(config.withServers(shttp, stdio));
    return new Answer(201, Map.of("message", "MCP server added", "server_id", server.id()));
  }

  /** The fields given replace the server's; the server stays in its list, as the original keeps it. */
  private Answer updateServer(String id, JsonNode body) {
    return onServer(id, config -> config.withServers(replace(config.shttpServers(), id, body),
        replace(config.stdioServers(), id, body)), "MCP server updated");
  }

  private List<McpServer> replace(List<McpServer> servers, String id, JsonNode changes) {
    return servers.stream().map(server -> {
      if (!server.id().equals(id)) {
        return server;
      }
      ObjectNode merged = json.valueToTree(server);
      merged.setAll((ObjectNode) changes);
      return json.convertValue(merged, McpServer.class);
    }).toList();
  }

  private Answer deleteServer(String id) {
    return onServer(id, config -> config.withServers(without(config.shttpServers(), id),
        without(config.stdioServers(), id)), "MCP server deleted");
  }

  /** Saves {@code change} of the stored configuration when it has server {@code id}; 404 otherwise. */
  private Answer onServer(String id, java.util.function.UnaryOperator<McpConfig> change, String done) {
    Optional<McpConfig> stored = store.mcpConfig();
    if (stored.isEmpty()) {
      return error(404, "No MCP configuration found");
    }
    if (findServer(stored.get(), id).isEmpty()) {
      return error(404, "Server " + id + " not found");
    }
    store.saveMcpConfig(change.apply(stored.get()));
    return message(200, done);
  }

  private static List<McpServer> without(List<McpServer> servers, String id) {
    return servers.stream().filter(s -> !s.id().equals(id)).toList();
  }

  private static Optional<McpServer> findServer(McpConfig config, String id) {
    return java.util.stream.Stream.concat(config.shttpServers().stream(), config.stdioServers().stream())
        .filter(s -> s.id().equals(id)).findFirst();
  }

  private Answer saveSecret(String id, JsonNode body) {
    JsonNode value = body.path("value");
    if (!value.isTextual() || value.asText().isEmpty()) {
      return error(400, "Missing required field: value");
    }
    store.saveSecret(id, value.asText(), body.path("type").asText("api_key"), body.path("notes").asText(""));
    return message(200, "Secret " + id + " saved");
  }

  private Answer deleteSecret(String id) {
    store.deleteSecret(id);
    return message(200, "Secret " + id + " deleted");
  }

  private Answer saveIntegration(String provider, JsonNode body) {
    Map<String, Integration> integrations = store.integrations();
    integrations.put(provider, json.convertValue(body, Integration.class).connectedNow());
    store.saveIntegrations(integrations);
    return message(200, "Integration " + provider + " configured");
  }

  private Answer deleteIntegration(String provider) {
    Map<String, Integration> integrations = store.integrations();
    if (integrations.remove(provider) != null) {
      store.saveIntegrations(integrations);
    }
    return message(200, "Integration " + provider + " removed");
  }

  /** The user's part of the configuration the app merges with the global one; secrets as metadata only. */
  private Answer merged() {
    Map<String, Object> merged = new java.util.LinkedHashMap<>();
    merged.put("mcp", store.mcpConfig().orElse(null));
    merged.put("integrations", store.integrations());
    merged.put("secrets", store.secrets());
    return new Answer(200, merged);
  }

  private Answer withBody(JsonNode body, java.util.function.Function<JsonNode, Answer> route) {
    if (body == null || !body.isObject() || body.isEmpty()) {
      return error(400, "Invalid JSON body");
    }
    try {
      return route.apply(body);
    } catch (IllegalArgumentException e) {
      // Jackson's conversion wraps what the records refuse.
      Throwable cause = e;
      while (cause.getCause() != null && !(cause instanceof InvalidInput)) {
        cause = cause.getCause();
      }
      return error(400, cause instanceof InvalidInput ? cause.getMessage() : "Invalid field types");
    }
  }

  private static Answer notAllowed(String allowed) {
    return new Answer(405, Map.of("error", "Method not allowed"), Map.of("Allow", allowed));
  }

  private static Answer message(int status, String message) {
    return new Answer(status, Map.of("message", message));
  }

  static Answer error(int status, String message) {
    return new Answer(status, Map.of("error", message));
  }
}
