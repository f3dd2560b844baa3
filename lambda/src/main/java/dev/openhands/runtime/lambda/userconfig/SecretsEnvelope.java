package dev.openhands.runtime.lambda.userconfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;

/**
 * KMS envelope encryption of a user's secrets document, in the original's format (which the app's loader
 * decrypts): a fresh AES-256 data key from {@code GenerateDataKey} per write, the document sealed with AES-GCM
 * (12-byte nonce, 16-byte tag appended), stored as {@code {"encrypted_key", "nonce", "ciphertext"}} in base64. The
 * plain data key is wiped once used.
 */
final class SecretsEnvelope {

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final KmsClient kms;
  private final String keyId;
  private final ObjectMapper json;
  private final SecureRandom random = new SecureRandom();

  SecretsEnvelope(KmsClient kms, String keyId, ObjectMapper json) {
    this.kms = kms;
    this.keyId = keyId;
    this.json = json;
  }

  String seal(JsonNode document) {
    GenerateDataKeyResponse dataKey = kms.generateDataKey(r -> r.keyId(keyId).keySpec(DataKeySpec.AES_256));
    byte[] key = dataKey.plaintext().asByteArray();
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      byte[] sealed = cipher(Cipher.ENCRYPT_MODE, key, nonce)
          .doFinal(json.writeValueAsBytes(document));
      ObjectNode envelope = json.createObjectNode();
      Base64.Encoder base64 = Base64.getEncoder();
      envelope.put("encrypted_key", base64.encodeToString(dataKey.ciphertextBlob().asByteArray()));
      envelope.put("nonce", base64.encodeToString(nonce));
      envelope.put("ciphertext", base64.encodeToString(sealed));
      return json.writeValueAsString(envelope);
    } catch (GeneralSecurityException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("sealing the secrets failed: " + e.getMessage(), e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  JsonNode open(String stored) {
    byte[] key = null;
    try {
      JsonNode envelope = json.readTree(stored);
      Base64.Decoder base64 = Base64.getDecoder();
      byte[] encryptedKey = base64.decode(envelope.path("encrypted_key").asText());
      byte[] nonce = base64.decode(envelope.path("nonce").asText());
      byte[] sealed = base64.decode(envelope.path("ciphertext").asText());
      key = kms.decrypt(r -> r.ciphertextBlob(SdkBytes.fromByteArray(encryptedKey))).plaintext().asByteArray();
      return json.readTree(new String(cipher(Cipher.DECRYPT_MODE, key, nonce).doFinal(sealed),
          StandardCharsets.UTF_8));
    } catch (GeneralSecurityException | java.io.IOException | IllegalArgumentException e) {
      throw new IllegalStateException("the stored secrets cannot be opened: " + e.getMessage(), e);
    } finally {
      if (key != null) {
        Arrays.fill(key, (byte) 0);
      }
    }
  }

  private static Cipher cipher(int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
    return cipher;
  }
}
