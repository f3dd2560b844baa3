package dev.openhands.runtime.lambda.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * KMS's {@code GenerateDataKey} and {@code Decrypt} on loopback, in the service's wire format ({@code X-Amz-Target:
 * TrentService.*}, blobs in base64), with one symmetric key of its own: a data key's ciphertext blob is the key id
 * and the data key sealed under that master key, so only this stand-in opens it, as only KMS opens KMS's. An unknown
 * key id is {@code NotFoundException}; a blob it did not make is {@code InvalidCiphertextException}.
 */
public final class KmsStandIn extends AwsJsonStandIn {

  private final String keyId;
  private final SecretKey master;
  private final SecureRandom random = new SecureRandom();
  private final AtomicInteger generated = new AtomicInteger();
  private final AtomicInteger decrypted = new AtomicInteger();
  private final KmsClient client;

  public KmsStandIn(String keyId) throws IOException, GeneralSecurityException {
    super("TrentService");
    this.keyId = keyId;
    KeyGenerator generator = KeyGenerator.getInstance("AES");
    generator.init(256);
    master = generator.generateKey();
    client = KmsClient.builder().endpointOverride(endpoint()).region(Region.US_EAST_1)
        .httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
        .build();
  }

  public KmsClient client() {
    return client;
  }

  public int dataKeysGenerated() {
    return generated.get();
  }

  public int decrypts() {
    return decrypted.get();
  }

  @Override
  Answer answer(String operation, JsonNode request) {
    try {
      return switch (operation) {
        case "GenerateDataKey" -> generateDataKey(request);
        case "Decrypt" -> decrypt(request);
        default -> Answer.error("UnknownOperationException", "not played here: " + operation);
      };
    } catch (GeneralSecurityException | RuntimeException e) {
      return Answer.error("InvalidCiphertextException", "the ciphertext is not this key's");
    }
  }

  private Answer generateDataKey(JsonNode request) throws GeneralSecurityException {
    String asked = request.field("KeyId").map(JsonNode::text).orElse("");
    if (!asked.equals(keyId)) {
      return Answer.error("NotFoundException", "Key '" + asked + "' does not exist");
    }
    if (!"AES_256".equals(request.field("KeySpec").map(JsonNode::text).orElse(""))) {
      return Answer.error("ValidationException", "KeySpec must be AES_256 here");
    }
    byte[] dataKey = new byte[32];
    random.nextBytes(dataKey);
    byte[] nonce = new byte[12];
    random.nextBytes(nonce);
    byte[] sealed = cipher(Cipher.ENCRYPT_MODE, nonce).doFinal(dataKey);
    byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
    byte[] blob = ByteBuffer.allocate(2 + id.length + nonce.length + sealed.length)
        .putShort((short) id.length).put(id).put(nonce).put(sealed).array();
    generated.incrementAndGet();
    Base64.Encoder base64 = Base64.getEncoder();
    return Answer.ok(Map.of("KeyId", keyId, "CiphertextBlob", base64.encodeToString(blob),
        "Plaintext", base64.encodeToString(dataKey)));
  }

  private Answer decrypt(JsonNode request) throws GeneralSecurityException {
    ByteBuffer blob = ByteBuffer.wrap(Base64.getDecoder().decode(
        request.field("CiphertextBlob").map(JsonNode::text).orElse("")));
    byte[] id = new byte[blob.getShort()];
    blob.get(id);
    if (!new String(id, StandardCharsets.UTF_8).equals(keyId)) {
      return Answer.error("InvalidCiphertextException", "not made by this key");
    }
    byte[] nonce = new byte[12];
    blob.get(nonce);
    byte[] sealed = new byte[blob.remaining()];
    blob.get(sealed);
    byte[] dataKey = cipher(Cipher.DECRYPT_MODE, nonce).doFinal(sealed);
    decrypted.incrementAndGet();
    return Answer.ok(Map.of("KeyId", keyId, "EncryptionAlgorithm", "SYMMETRIC_DEFAULT",
        "Plaintext", Base64.getEncoder().encodeToString(dataKey)));
  }

  private Cipher cipher(int mode, byte[] nonce) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, master, new GCMParameterSpec(128, nonce));
    return cipher;
  }

  @Override
  public void close() {
    client.close();
    super.close();
  }
}
