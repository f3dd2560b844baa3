package dev.openhands.runtime.lambda.bootstrap;

import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * A user name and password from a Secrets Manager secret in the RDS form ({@code {"username": ..., "password":
 * ...}}, the shape the CDK's generated database secrets have).
 */
public record DatabaseCredentials(String username, String password) {

  public static DatabaseCredentials parse(String secretId, String secretString) {
    JsonNode root;
    try {
      root = JsonNode.parser().parse(secretString);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("secret " + secretId + ": not a JSON object");
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("secret " + secretId + ": not a JSON object");
    }
    return new DatabaseCredentials(field(root, secretId, "username"), field(root, secretId, "password"));
  }

  private static String field(JsonNode root, String secretId, String name) {
    return root.field(name).filter(JsonNode::isString).map(JsonNode::text).filter(v -> !v.isEmpty())
        .orElseThrow(() -> new IllegalArgumentException("secret " + secretId + ": no " + name));
  }

  @Override
  public String toString() {
    return "DatabaseCredentials[username=" + username + ", password=(hidden)]";
  }
}
