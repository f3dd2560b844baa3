package dev.openhands.runtime.orchestrator.api;

import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.orchestrator.lifecycle.Launcher;
import dev.openhands.runtime.orchestrator.lifecycle.StartRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads request bodies strictly: a JSON object, ids of 32 lowercase hex characters, an environment of string
 * names and values. Anything else is a {@link BadRequest}, before anything is read or written. Fields the app sends
 * that the orchestrator does not use ({@code command}, {@code working_dir}, {@code resource_factor}, ...) are
 * accepted and ignored.
 */
final class Bodies {

  /** ECS accepts 8,192 characters of container overrides in all; keep the environment within that. */
  static final int MAX_ENVIRONMENT_CHARS = 7168;

  private Bodies() {}

  static StartRequest start(Buffer body) {
    JsonObject json = object(body);
    String id = id(json, "session_id");
    String image = optionalString(json, "image");
    Map<String, String> environment = environment(json.getValue("environment"));
    String userId = environment.get(Launcher.USER_ID_VARIABLE);
    if (userId == null || userId.isBlank()) {
      userId = optionalString(json, "user_id");
    }
    return new StartRequest(id, image, environment, userId == null || userId.isBlank() ? null : userId.trim());
  }

  /** The {@code runtime_id} of {@code /resume}, {@code /pause}, {@code /stop}, {@code /delete}. */
  static String runtimeId(Buffer body) {
    return id(object(body), "runtime_id");
  }

  /** The {@code session_id} of {@code /activity}. */
  static String sessionId(Buffer body) {
    return id(object(body), "session_id");
  }

  /** A conversation id from a path. */
  static String pathId(String id) {
    if (!RegistrySchema.isConversationId(id)) {
      throw new BadRequest("the id must be 32 lowercase hex characters");
    }
    return id;
  }

  private static JsonObject object(Buffer body) {
    if (body == null || body.length() == 0) {
      throw new BadRequest("the body must be a JSON object");
    }
    Object parsed;
    try {
      parsed = body.toJsonValue();
    } catch (DecodeException e) {
      throw new BadRequest("the body is not valid JSON");
    }
    if (parsed instanceof JsonObject json) {
      return json;
    }
    throw new BadRequest("the body must be a JSON object");
  }

  private static String id(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (!(value instanceof String id)) {
      throw new BadRequest(field + " is required (a string)");
    }
    if (!RegistrySchema.isConversationId(id)) {
      throw new BadRequest(field + " must be 32 lowercase hex characters");
    }
    return id;
  }

  private static String optionalString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw new BadRequest(field + " must be a string");
    }
    if (text.length() > 1024) {
      throw new BadRequest(field + " is longer than 1024 characters");
    }
    return text.isBlank() ? null : text;
  }

  private static Map<String, String> environment(Object value) {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject json)) {
      throw new BadRequest("environment must be an object of strings");
    }
    Map<String, String> environment = new LinkedHashMap<>();
    int chars = 0;
    for (Map.Entry<String, Object> entry : json) {
      if (!entry.getKey().matches("[A-Za-z_][A-Za-z0-9_]{0,255}")) {
        throw new BadRequest("environment: '" + entry.getKey().substring(0, Math.min(64, entry.getKey().length()))
            + "' is not a variable name");
      }
      if (!(entry.getValue() instanceof String text)) {
        throw new BadRequest("environment: " + entry.getKey() + " must be a string");
      }
      chars += entry.getKey().length() + text.length();
      environment.put(entry.getKey(), text);
    }
    if (chars > MAX_ENVIRONMENT_CHARS) {
      throw new BadRequest("environment has " + chars + " characters (at most " + MAX_ENVIRONMENT_CHARS + ")");
    }
    return environment;
  }
}
