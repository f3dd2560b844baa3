package dev.openhands.runtime.lambda.userconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openhands.runtime.lambda.testkit.KmsStandIn;
import dev.openhands.runtime.orchestrator.testkit.LocalS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The configuration API as the load balancer calls it (its Lambda event and response format), on a real
 * S3-compatible server (S3Proxy) and a KMS stand-in in KMS's wire format, with the storage layout and the secrets
 * envelope checked the way the app's loader reads them.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class UserConfigHandlerTest {

  private static final String BUCKET = "openhands-data";
  private static final String KEY_ID = "0b3c6a4e-1111-4222-8333-944455556666";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static LocalS3 localS3;
  private static KmsStandIn kms;
  private static S3Client s3;
  private static UserConfigHandler handler;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    localS3 = LocalS3.start();
    kms = new KmsStandIn(KEY_ID);
    s3 = S3Client.builder().endpointOverride(localS3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
        .httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .build();
    s3.createBucket(b -> b.bucket(BUCKET));
    handler = new UserConfigHandler(s3, kms.client(), BUCKET, KEY_ID);
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
    kms.close();
    localS3.close();
  }

  /** A user of their own, so tests do not see each other's documents. */
  private static String newUser() {
    return UUID.randomUUID().toString();
  }

  private record Reply(int status, JsonNode body, Map<?, ?> headers, String text) {}

  private static Reply call(String method, String path, String user, String body) throws Exception {
    Map<String, Object> headers = new HashMap<>(Map.of("host", "openhands.example.com",
        "content-type", "application/json", "x-forwarded-proto", "https"));
    if (user != null) {
      headers.put("x-cognito-user-id", user);
    }
    Map<String, Object> event = new HashMap<>(Map.of(
        "requestContext", Map.of("elb", Map.of("targetGroupArn",
            "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/user-config/0123456789abcdef")),
        "httpMethod", method, "path", path, "queryStringParameters", Map.of(), "headers", headers,
        "isBase64Encoded", false));
    if (body != null) {
      event.put("body", body);
    }
    Map<String, Object> response = handler.handleRequest(event, null);
    int status = (Integer) response.get("statusCode");
    assertEquals(status + " ", String.valueOf(response.get("statusDescription")).substring(0,
        String.valueOf(status).length() + 1), "the ALB's status line");
    assertEquals(false, response.get("isBase64Encoded"));
    String text = (String) response.get("body");
    return new Reply(status, JSON.readTree(text), (Map<?, ?>) response.get("headers"), text);
  }

  private static String stored(String key) {
    return s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(key)).asUtf8String();
  }

  @Test
  void mcpServers_addUpdateDelete_storedInTheOriginalsLayoutAndFields() throws Exception {
    String user = newUser();
    Reply empty = call("GET", "/api/v1/user-config/mcp", user, null);
    assertEquals(200, empty.status());
    assertEquals("1.0", empty.body().path("version").asText());
    assertTrue(empty.body().path("shttp_servers").isArray() && empty.body().path("shttp_servers").isEmpty());

    Reply added = call("POST", "/api/v1/user-config/mcp/servers", user,
        "{\"id\":\"search\",\"type\":\"shttp\",\"url\":\"https://mcp.example.com/sse\"}");
    assertEquals(201, added.status(), added.text());
    assertEquals("search", added.body().path("server_id").asText());
    assertEquals(409, call("POST", "/api/v1/user-config/mcp/servers", user, "{\"id\":\"search\"}").status());
    assertEquals(201, call("POST", "/api/v1/user-config/mcp/servers", user,
        "{\"id\":\"fs\",\"type\":\"stdio\",\"command\":\"npx\",\"args\":[\"server-fs\"]}").status());

    assertEquals(200, call("PUT", "/api/v1/user-config/mcp/servers/search", user, "{\"enabled\":false}").status());
    JsonNode config = call("GET", "/api/v1/user-config/mcp", user, null).body();
    assertEquals(false, config.path("shttp_servers").get(0).path("enabled").asBoolean(true));
    assertEquals("https://mcp.example.com/sse", config.path("shttp_servers").get(0).path("url").asText(),
        "an update keeps the fields it does not name");
    assertEquals("npx", config.path("stdio_servers").get(0).path("command").asText());

    JsonNode file = JSON.readTree(stored("users/" + user + "/config/mcp-config.json"));
    assertTrue(file.path("updated_at").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00"),
        file.path("updated_at").asText());
    assertEquals(List.of("id", "type", "enabled", "notes", "url", "name", "command", "args", "env", "runtime"),
        iterable(file.path("shttp_servers").get(0).fieldNames()), "every field, as the original's model_dump");

    assertEquals(200, call("DELETE", "/api/v1/user-config/mcp/servers/search", user, null).status());
    assertEquals(404, call("DELETE", "/api/v1/user-config/mcp/servers/search", user, null).status());
  }

  private static List<String> iterable(java.util.Iterator<String> names) {
    List<String> list = new java.util.ArrayList<>();
    names.forEachRemaining(list::add);
    return list;
  }

  @Test
  void secrets_valuesGoInAndNeverComeOut_sealedUnderAFreshDataKeyEachWrite() throws Exception {
    String user = newUser();
    String value = "ghp_" + UUID.randomUUID();
    assertEquals(200, call("PUT", "/api/v1/user-config/secrets/github-token", user,
        "{\"value\":\"" + value + "\",\"type\":\"token\",\"notes\":\"CI\"}").status());
    String sealedOnce = stored("users/" + user + "/secrets/credentials.json.enc");
    assertFalse(sealedOnce.contains(value), "the stored object holds no plain value");

    Reply listed = call("GET", "/api/v1/user-config/secrets", user, null);
    assertFalse(listed.text().contains(value), "metadata only: " + listed.text());
    JsonNode secret = listed.body().path("secrets").get(0);
    assertEquals("github-token", secret.path("id").asText());
    assertEquals("token", secret.path("type").asText());
    String created = secret.path("created_at").asText();

    int keysBefore = kms.dataKeysGenerated();
    assertEquals(200, call("PUT", "/api/v1/user-config/secrets/github-token", user,
        "{\"value\":\"rotated-" + value + "\"}").status());
    assertEquals(keysBefore + 1, kms.dataKeysGenerated(), "a new data key per write");
    JsonNode again = call("GET", "/api/v1/user-config/secrets", user, null).body().path("secrets").get(0);
    assertEquals(created, again.path("created_at").asText(), "a replacement keeps its creation time");
    assertNotEquals(JSON.readTree(sealedOnce).path("encrypted_key").asText(),
        JSON.readTree(stored("users/" + user + "/secrets/credentials.json.enc")).path("encrypted_key").asText());

    assertEquals(400, call("PUT", "/api/v1/user-config/secrets/empty", user, "{\"value\":\"\"}").status());
    assertEquals(200, call("DELETE", "/api/v1/user-config/secrets/github-token", user, null).status());
    assertTrue(call("GET", "/api/v1/user-config/secrets", user, null).body().path("secrets").isEmpty());
  }

  /**
   * The envelope both ways with Python's {@code cryptography} (the app's loader and the original's function use
   * its AESGCM): Python opens what this function sealed, and this function opens what Python sealed.
   */
  @Test
  void secretsEnvelope_isTheOnePythonsAesGcmReadsAndWrites() throws Exception {
    Assumptions.assumeTrue(pythonHasCryptography(), "python3 with the cryptography package");
    String user = newUser();
    call("PUT", "/api/v1/user-config/secrets/slack", user, "{\"value\":\"xoxb-from-java\"}");
    JsonNode envelope = JSON.readTree(stored("users/" + user + "/secrets/credentials.json.enc"));
    byte[] dataKey = kms.client().decrypt(r -> r.ciphertextBlob(SdkBytes.fromByteArray(
        Base64.getDecoder().decode(envelope.path("encrypted_key").asText())))).plaintext().asByteArray();
    Files.writeString(dir.resolve("envelope.json"), envelope.toString());
    Files.writeString(dir.resolve("key"), Base64.getEncoder().encodeToString(dataKey));
    String opened = python("import json,base64\nfrom cryptography.hazmat.primitives.ciphers.aead import AESGCM\n"
        + "e=json.load(open('envelope.json')); k=base64.b64decode(open('key').read())\n"
        + "d=json.loads(AESGCM(k).decrypt(base64.b64decode(e['nonce']),base64.b64decode(e['ciphertext']),None))\n"
        + "print(d['secrets']['slack']['value'])");
    assertEquals("xoxb-from-java", opened.trim());

    var fresh = kms.client().generateDataKey(r -> r.keyId(KEY_ID).keySpec(DataKeySpec.AES_256));
    Files.writeString(dir.resolve("key"), Base64.getEncoder().encodeToString(fresh.plaintext().asByteArray()));
    Files.writeString(dir.resolve("blob"), Base64.getEncoder().encodeToString(fresh.ciphertextBlob().asByteArray()));
    String sealed = python("import json,base64,os\nfrom cryptography.hazmat.primitives.ciphers.aead import AESGCM\n"
        + "k=base64.b64decode(open('key').read()); n=os.urandom(12)\n"
        + "doc={'version':'1.0','secrets':{'jira':{'type':'api_key','value':'from-python',"
        + "'created_at':'2026-01-02T03:04:05.678901+00:00','updated_at':'2026-01-02T03:04:05.678901+00:00',"
        + "'notes':''}}}\n"
        + "print(json.dumps({'encrypted_key':open('blob').read(),'nonce':base64.b64encode(n).decode(),"
        + "'ciphertext':base64.b64encode(AESGCM(k).encrypt(n,json.dumps(doc).encode(),None)).decode()}))");
    s3.putObject(r -> r.bucket(BUCKET).key("users/" + user + "/secrets/credentials.json.enc"),
        RequestBody.fromString(sealed.trim()));
    JsonNode listed = call("GET", "/api/v1/user-config/secrets", user, null).body();
    assertEquals("jira", listed.path("secrets").get(0).path("id").asText(), listed.toString());
    assertEquals("2026-01-02T03:04:05.678901+00:00", listed.path("secrets").get(0).path("created_at").asText());
  }

  private static boolean pythonHasCryptography() {
    try {
      Process p = new ProcessBuilder("python3", "-c", "import cryptography").redirectErrorStream(true).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  private static String python(String script) throws Exception {
    Process p = new ProcessBuilder("python3", "-c", script).directory(dir.toFile()).redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "python finished");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void integrations_andTheMergedView() throws Exception {
    String user = newUser();
    assertEquals(200, call("PUT", "/api/v1/user-config/integrations/github", user,
        "{\"enabled\":true,\"token_ref\":\"secrets/github-token\"}").status());
    JsonNode integrations = call("GET", "/api/v1/user-config/integrations", user, null).body();
    assertTrue(integrations.path("github").path("enabled").asBoolean());
    assertTrue(integrations.path("github").path("auto_mcp").asBoolean(), "the original's default");
    assertFalse(integrations.path("github").path("connected_at").asText().isEmpty());
    call("PUT", "/api/v1/user-config/secrets/github-token", user, "{\"value\":\"hidden-value\"}");

    Reply merged = call("GET", "/api/v1/user-config/merged", user, null);
    assertTrue(merged.body().path("mcp").isNull(), "no MCP configuration yet");
    assertEquals("secrets/github-token", merged.body().path("integrations").path("github").path("token_ref").asText());
    assertEquals("github-token", merged.body().path("secrets").get(0).path("id").asText());
    assertFalse(merged.text().contains("hidden-value"));

    assertEquals(200, call("DELETE", "/api/v1/user-config/integrations/github", user, null).status());
    assertTrue(call("GET", "/api/v1/user-config/integrations", user, null).body().isEmpty());
  }

  @Test
  void aDocumentTheOriginalWrote_isRead_unknownFieldsAndItsTimestampFormatIncluded() throws Exception {
    String user = newUser();
    s3.putObject(r -> r.bucket(BUCKET).key("users/" + user + "/config/mcp-config.json"), RequestBody.fromString(
        "{\"version\":\"1.0\",\"updated_at\":\"2026-03-04 05:06:07.123456+00:00\",\"future_field\":1,"
            + "\"shttp_servers\":[{\"id\":\"old\",\"type\":\"shttp\",\"url\":\"https://x\"}],\"stdio_servers\":[],"
            + "\"disabled_global_servers\":[\"tavily\"]}"));
    JsonNode config = call("GET", "/api/v1/user-config/mcp", user, null).body();
    assertEquals("2026-03-04T05:06:07.123456+00:00", config.path("updated_at").asText());
    assertEquals("old", config.path("shttp_servers").get(0).path("id").asText());
    assertEquals("tavily", config.path("disabled_global_servers").get(0).asText());
  }

  @Test
  void eachUserSeesOnlyTheirOwn_andTheUserMustBeACognitoSub() throws Exception {
    String owner = newUser();
    call("PUT", "/api/v1/user-config/secrets/mine", owner, "{\"value\":\"v\"}");
    assertTrue(call("GET", "/api/v1/user-config/secrets", newUser(), null).body().path("secrets").isEmpty());

    assertEquals(401, call("GET", "/api/v1/user-config/secrets", null, null).status());
    assertEquals(400, call("GET", "/api/v1/user-config/secrets", "../" + owner.substring(3), null).status());
    assertEquals(400, call("GET", "/api/v1/user-config/secrets", owner.toUpperCase(), null).status());
  }

  @Test
  void badRequests_getAShortAnswer_neverAStackTrace() throws Exception {
    String user = newUser();
    assertEquals(400, call("PUT", "/api/v1/user-config/secrets/..", user, "{\"value\":\"x\"}").status());
    assertEquals(400, call("PUT", "/api/v1/user-config/secrets/a%2Fb", user, "{\"value\":\"x\"}").status());
    Reply notJson = call("POST", "/api/v1/user-config/mcp/servers", user, "{not json");
    assertEquals(400, notJson.status());
    assertEquals("Invalid JSON body", notJson.body().path("error").asText());
    Reply badType = call("POST", "/api/v1/user-config/mcp/servers", user, "{\"id\":\"x\",\"type\":\"ftp\"}");
    assertEquals(400, badType.status());
    assertTrue(badType.body().path("error").asText().startsWith("type: 'ftp'"), badType.text());
    Reply wrongMethod = call("DELETE", "/api/v1/user-config/mcp", user, null);
    assertEquals(405, wrongMethod.status());
    assertEquals("GET, PUT", wrongMethod.headers().get("Allow"));
    assertEquals(404, call("GET", "/api/v1/user-config/elsewhere", user, null).status());
    assertEquals(413, call("PUT", "/api/v1/user-config/mcp", user,
        "{\"x\":\"" + "a".repeat(UserConfigHandler.MAX_BODY_BYTES) + "\"}").status());

    UserConfigHandler wrongKey = new UserConfigHandler(s3, kms.client(), BUCKET, "not-the-key");
    Map<String, Object> failed = wrongKey.handleRequest(Map.of("httpMethod", "PUT",
        "path", "/api/v1/user-config/secrets/s", "headers", Map.of("x-cognito-user-id", user),
        "body", "{\"value\":\"x\"}"), null);
    assertEquals(500, failed.get("statusCode"));
    assertEquals("{\"error\":\"The configuration could not be read or written\"}", failed.get("body"));
  }
}
