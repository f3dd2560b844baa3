package dev.openhands.runtime.lambda.userconfig;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openhands.runtime.lambda.userconfig.UserConfigApi.Answer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The per-user configuration API behind the load balancer (a Lambda target): the ALB's event in, its response
 * format out. The user is the {@code X-Cognito-User-Id} the edge function set after checking the sign-in (the load
 * balancer forwards only the main host's requests that carry the origin secret here); without one the answer is
 * 401, with a malformed one 400. Storage failures are 500 with a short body, and one log line says why.
 */
public final class UserConfigHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {

  /** A Cognito {@code sub}. */
  private static final Pattern USER_ID = Pattern.compile("[a-f0-9-]{36}");
  /** The largest body taken (the documents are small; the load balancer itself stops at 1 MB). */
  static final int MAX_BODY_BYTES = 256 * 1024;

  private final S3Client s3;
  private final KmsClient kms;
  private final String bucket;
  private final String keyId;
  private final ObjectMapper json = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** Lambda's constructor: {@code DATA_BUCKET} and {@code KMS_KEY_ID} from the environment. */
  public UserConfigHandler() {
    this(S3Client.builder().httpClient(UrlConnectionHttpClient.create()).build(),
        KmsClient.builder().httpClient(UrlConnectionHttpClient.create()).build(),
        System.getenv("DATA_BUCKET"), System.getenv("KMS_KEY_ID"));
  }

  UserConfigHandler(S3Client s3, KmsClient kms, String bucket, String keyId) {
    this.s3 = s3;
    this.kms = kms;
    this.bucket = bucket;
    this.keyId = keyId;
  }

  @Override
  public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
    Answer answer;
    try {
      answer = answer(event);
    } catch (RuntimeException e) {
      System.err.println("user-config: " + event.get("httpMethod") + " " + event.get("path") + " failed: " + e);
      answer = UserConfigApi.error(500, "The configuration could not be read or written");
    }
    return response(answer);
  }

  private Answer answer(Map<String, Object> event) {
    if (bucket == null || bucket.isBlank() || keyId == null || keyId.isBlank()) {
      System.err.println("user-config: DATA_BUCKET and KMS_KEY_ID must both be set");
      return UserConfigApi.error(500, "Server configuration error");
    }
    Object headers = event.get("headers");
    Object userId = headers instanceof Map<?, ?> map ? map.get("x-cognito-user-id") : null;
    if (!(userId instanceof String user) || user.isEmpty()) {
      return UserConfigApi.error(401, "Unauthorized: Missing user ID");
    }
    if (!USER_ID.matcher(user).matches()) {
      return UserConfigApi.error(400, "Invalid user ID format");
    }
    String body = body(event);
    if (body != null && body.length() > MAX_BODY_BYTES) {
      return UserConfigApi.error(413, "Body larger than " + MAX_BODY_BYTES + " bytes");
    }
    JsonNode parsed = null;
    if (body != null && !body.isEmpty()) {
      try {
        parsed = json.readTree(body);
      } catch (JsonProcessingException e) {
        return UserConfigApi.error(400, "Invalid JSON body");
      }
    }
    UserConfigStore store = new UserConfigStore(s3, bucket, new SecretsEnvelope(kms, keyId, json), json, user);
    return new UserConfigApi(store, json).answer(String.valueOf(event.get("httpMethod")),
        String.valueOf(event.get("path")), parsed);
  }

  private static String body(Map<String, Object> event) {
    Object body = event.get("body");
    if (body == null) {
      return null;
    }
    if (Boolean.TRUE.equals(event.get("isBase64Encoded"))) {
      try {
        return new String(Base64.getDecoder().decode(String.valueOf(body)), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return "\u0000"; // not JSON: answered 400
      }
    }
    return String.valueOf(body);
  }

  /** The ALB's Lambda response format. */
  private Map<String, Object> response(Answer answer) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("Cache-Control", "no-store");
    headers.put("X-Content-Type-Options", "nosniff");
    headers.putAll(answer.headers());
    String body;
    try {
      body = json.writeValueAsString(answer.body());
    } catch (JsonProcessingException e) {
      body = "{\"error\":\"Internal error\"}";
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("statusCode", answer.status());
    response.put("statusDescription", answer.status() + " " + reason(answer.status()));
    response.put("headers", headers);
    response.put("body", body);
    response.put("isBase64Encoded", false);
    return response;
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Payload Too Large";
      default -> "Internal Server Error";
    };
  }
}
