package dev.openhands.runtime.lambda.userconfig;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openhands.runtime.lambda.userconfig.UserConfigModel.Integration;
import dev.openhands.runtime.lambda.userconfig.UserConfigModel.McpConfig;
import dev.openhands.runtime.lambda.userconfig.UserConfigModel.SecretMetadata;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * One user's configuration in the data bucket, in the original's layout, which the app's loader reads:
 * <pre>
 * users/{userId}/config/mcp-config.json
 * users/{userId}/config/integrations.json
 * users/{userId}/secrets/credentials.json.enc   ({@link SecretsEnvelope}: {"version", "secrets": {id: {...}}})
 * </pre>
 * The user id was checked by the handler (a Cognito {@code sub}), so it cannot widen the prefix.
 */
final class UserConfigStore {

  private final S3Client s3;
  private final String bucket;
  private final SecretsEnvelope envelope;
  private final ObjectMapper json;
  private final String configPrefix;
  private final String secretsKey;

  UserConfigStore(S3Client s3, String bucket, SecretsEnvelope envelope, ObjectMapper json, String userId) {
    this.s3 = s3;
    this.bucket = bucket;
    this.envelope = envelope;
    this.json = json;
    this.configPrefix = "users/" + userId + "/config/";
    this.secretsKey = "users/" + userId + "/secrets/credentials.json.enc";
  }

  Optional<McpConfig> mcpConfig() {
    return read(configPrefix + "mcp-config.json").map(text -> parse(text, McpConfig.class));
  }

  void saveMcpConfig(McpConfig config) {
    write(configPrefix + "mcp-config.json", json(config.touched()), "application/json");
  }

  Map<String, Integration> integrations() {
    Map<String, Integration> integrations = new LinkedHashMap<>();
    read(configPrefix + "integrations.json").ifPresent(text -> {
      JsonNode root = parse(text, JsonNode.class);
      root.fields().forEachRemaining(e -> integrations.put(e.getKey(), json.convertValue(e.getValue(),
          Integration.class)));
    });
    return integrations;
  }

  void saveIntegrations(Map<String, Integration> integrations) {
    write(configPrefix + "integrations.json", json(integrations), "application/json");
  }

  List<SecretMetadata> secrets() {
    List<SecretMetadata> list = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> entries = secretsDocument().path("secrets").fields();
    while (entries.hasNext()) {
      Map.Entry<String, JsonNode> entry = entries.next();
      JsonNode secret = entry.getValue();
      list.add(new SecretMetadata(entry.getKey(), secret.path("type").asText("api_key"),
          UserConfigModel.timestamp("created_at", secret.path("created_at").asText(null)),
          UserConfigModel.timestamp("updated_at", secret.path("updated_at").asText(null)),
          secret.path("notes").asText("")));
    }
    return list;
  }

  /** Creates or replaces a secret; its creation time survives a replacement. */
  void saveSecret(String id, String value, String type, String notes) {
    ObjectNode document = secretsDocument();
    ObjectNode secrets = document.with("secrets");
    String now = UserConfigModel.now();
    String created = secrets.path(id).path("created_at").asText(now);
    ObjectNode secret = json.createObjectNode();
    secret.put("type", type);
    secret.put("value", value);
    secret.put("created_at", created);
    secret.put("updated_at", now);
    secret.put("notes", notes);
    secrets.set(id, secret);
    write(secretsKey, envelope.seal(document), "application/octet-stream");
  }

  /** Removes a secret; true when there was one. */
  boolean deleteSecret(String id) {
    ObjectNode document = secretsDocument();
    if (document.with("secrets").remove(id) == null) {
      return false;
    }
    write(secretsKey, envelope.seal(document), "application/octet-stream");
    return true;
  }

  private ObjectNode secretsDocument() {
    return read(secretsKey).map(text -> (ObjectNode) envelope.open(text)).orElseGet(() -> {
      ObjectNode empty = json.createObjectNode();
      empty.put("version", "1.0");
      empty.putObject("secrets");
      return empty;
    });
  }

  private Optional<String> read(String key) {
    try {
      return Optional.of(s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    }
  }

  private void write(String key, String body, String contentType) {
    s3.putObject(r -> r.bucket(bucket).key(key).contentType(contentType), RequestBody.fromString(body));
  }

  private <T> T parse(String text, Class<T> type) {
    try {
      return json.readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stored document is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private String json(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
