package dev.openhands.runtime.lambda.testkit;

import java.io.IOException;
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
 * Secrets Manager's {@code GetSecretValue} on loopback, in the service's wire format ({@code X-Amz-Target:
 * secretsmanager.GetSecretValue}), for the real SDK client that {@link #client} points at it. An unknown id is the
 * service's {@code ResourceNotFoundException}.
 */
public final class SecretsManagerStandIn extends AwsJsonStandIn {

  private final Map<String, String> secrets = new ConcurrentHashMap<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final SecretsManagerClient client;

  public SecretsManagerStandIn() throws IOException {
    super("secretsmanager");
    client = SecretsManagerClient.builder().endpointOverride(endpoint())
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

  @Override
  Answer answer(String operation, JsonNode request) {
    if (!operation.equals("GetSecretValue")) {
      return Answer.error("UnknownOperationException", "not played here: " + operation);
    }
    String id = request.field("SecretId").map(JsonNode::text).orElse("");
    String value = secrets.get(id);
    if (value == null) {
      return Answer.error("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    }
    reads.incrementAndGet();
    return Answer.ok(Map.of("ARN", id, "Name", id, "VersionId", "v1", "SecretString", value));
  }

  @Override
  public void close() {
    client.close();
    super.close();
  }
}
