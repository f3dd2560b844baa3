package dev.openhands.runtime.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the deployed Auth stack produced and the Edge function must have baked in: Lambda@Edge has no environment
 * variables, and the pool and client ids exist only once Cognito made them. They come from the file
 * {@code cdk deploy OpenHands-Auth --outputs-file auth-outputs.json} writes.
 *
 * @param userPoolId e.g. {@code us-east-1_AbC123}
 * @param clientId the public app client's id
 */
public record AuthOutputs(String userPoolId, String clientId) {

  private static final Pattern POOL_ID = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d_[A-Za-z0-9]+");
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9]{1,128}");

  public AuthOutputs {
    if (userPoolId == null || !POOL_ID.matcher(userPoolId).matches()) {
      throw new SettingsException(AuthStack.ID + "." + AuthStack.USER_POOL_ID_OUTPUT + ": '" + userPoolId
          + "' (expected: a user pool id such as us-east-1_AbC123)");
    }
    if (clientId == null || !CLIENT_ID.matcher(clientId).matches()) {
      throw new SettingsException(AuthStack.ID + "." + AuthStack.CLIENT_ID_OUTPUT + ": '" + clientId
          + "' (expected: the app client id)");
    }
  }

  /** The issuer of the pool's tokens, as the gateway and the edge function check it. */
  public String issuer() {
    return "https://cognito-idp." + userPoolId.substring(0, userPoolId.indexOf('_')) + ".amazonaws.com/"
        + userPoolId;
  }

  /** The outputs in {@code file}, or empty when the file does not exist yet (Auth not deployed). */
  public static Optional<AuthOutputs> readIfPresent(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode stack;
    try {
      stack = new ObjectMapper().readTree(file.toFile()).path(AuthStack.ID);
    } catch (IOException e) {
      throw new SettingsException(file + ": not readable JSON (" + e.getMessage().lines().findFirst().orElse("")
          + ")");
    }
    if (!stack.isObject()) {
      throw new SettingsException(file + ": no \"" + AuthStack.ID + "\" object (expected: the file written by"
          + " cdk deploy " + AuthStack.ID + " --outputs-file)");
    }
    return Optional.of(new AuthOutputs(stack.path(AuthStack.USER_POOL_ID_OUTPUT).asText(null),
        stack.path(AuthStack.CLIENT_ID_OUTPUT).asText(null)));
  }
}
