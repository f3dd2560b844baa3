package dev.openhands.runtime.lambda.userconfig;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stored documents, field for field as the original's schemas (and the app's loader) read and write them:
 * snake_case names, every field written with its default, timestamps as ISO-8601 with an offset.
 */
final class UserConfigModel {

  private UserConfigModel() {}

  /** Python's {@code datetime.isoformat()} for UTC: {@code 2026-12-02T04:40:00.123456+00:00}. */
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

  static String now() {
    return OffsetDateTime.now(ZoneOffset.UTC).format(ISO);
  }

  /**
   * A timestamp as either writer left it ({@code isoformat()}, or {@code str()} with a space), or null; anything
   * else is refused.
   */
  static String timestamp(String field, String value) {
    if (value == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(value.trim().replace(' ', 'T')).withOffsetSameInstant(ZoneOffset.UTC).format(ISO);
    } catch (DateTimeParseException e) {
      throw new InvalidInput(field + ": '" + value + "' is not an ISO-8601 timestamp with an offset");
    }
  }

  /** One MCP server: {@code shttp} (a URL) or {@code stdio} (a command run in the sandbox or on the host). */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record McpServer(String id, String type, Boolean enabled, String notes, String url, String name, String command,
      List<String> args, Map<String, String> env, String runtime) {

    private static final Set<String> TYPES = Set.of("shttp", "stdio");

    McpServer {
      if (id == null || id.isBlank()) {
        throw new InvalidInput("id: required");
      }
      type = type == null ? "shttp" : type;
      if (!TYPES.contains(type)) {
        throw new InvalidInput("type: '" + type + "' (expected: shttp or stdio)");
      }
      enabled = enabled == null || enabled;
      notes = notes == null ? "" : notes;
      args = args == null ? List.of() : List.copyOf(args);
      env = env == null ? Map.of() : Map.copyOf(env);
      runtime = runtime == null ? "sandbox" : runtime;
    }
  }

  /** A user's MCP configuration. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record McpConfig(String version, @JsonProperty("updated_at") String updatedAt,
      @JsonProperty("shttp_servers") List<McpServer> shttpServers,
      @JsonProperty("stdio_servers") List<McpServer> stdioServers,
      @JsonProperty("disabled_global_servers") List<String> disabledGlobalServers) {

    McpConfig {
      version = version == null ? "1.0" : version;
      updatedAt = timestamp("updated_at", updatedAt);
      shttpServers = shttpServers == null ? List.of() : List.copyOf(shttpServers);
      stdioServers = stdioServers == null ? List.of() : List.copyOf(stdioServers);
      disabledGlobalServers = disabledGlobalServers == null ? List.of() : List.copyOf(disabledGlobalServers);
    }

    static McpConfig empty() {
      return new McpConfig(null, null, null, null, null);
    }

    McpConfig withServers(List<McpServer> shttp, List<McpServer> stdio) {
      return new McpConfig(version, updatedAt, shttp, stdio, disabledGlobalServers);
    }

    McpConfig touched() {
      return new McpConfig(version, now(), shttpServers, stdioServers, disabledGlobalServers);
    }
  }

  /** A third-party integration (GitHub, Slack, ...): its token is a reference to a secret, never the value. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record Integration(Boolean enabled, @JsonProperty("token_ref") String tokenRef,
      @JsonProperty("connected_at") String connectedAt, String notes, @JsonProperty("auto_mcp") Boolean autoMcp) {

    Integration {
      enabled = enabled != null && enabled;
      connectedAt = timestamp("connected_at", connectedAt);
      notes = notes == null ? "" : notes;
      autoMcp = autoMcp == null || autoMcp;
    }

    Integration connectedNow() {
      return new Integration(enabled, tokenRef, now(), notes, autoMcp);
    }
  }

  /** What the API says about a secret: never its value. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record SecretMetadata(String id, String type, @JsonProperty("created_at") String createdAt,
      @JsonProperty("updated_at") String updatedAt, String notes) {}

  /** A request the API refuses with 400 and this message. */
  static final class InvalidInput extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidInput(String message) {
      super(message, null, false, false);
    }
  }
}
