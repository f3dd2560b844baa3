package dev.openhands.runtime.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;

/**
 * The AWS rights sandbox tasks get when {@code sandboxAwsAccess} is on: the statements of the operator's policy file
 * (as the original's {@code sandbox-aws-policy.json}), refused if any allows every action, and always followed by the
 * original's guardrail that denies creating users, keys and roles, changing policies, assuming roles, and the
 * organization, account and billing services. Code the agent writes runs with these rights.
 */
final class SandboxAwsPolicy {

  /** What no sandbox may do, whatever the policy file allows. */
  static final List<String> DENIED = List.of(
      "iam:CreateUser", "iam:DeleteUser", "iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:UpdateAccessKey",
      "iam:AttachUserPolicy", "iam:DetachUserPolicy", "iam:PutUserPolicy", "iam:DeleteUserPolicy",
      "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
      "iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:PassRole",
      "organizations:*", "account:*", "billing:*", "sts:AssumeRole");

  private SandboxAwsPolicy() {}

  /** The statements of {@code file}, then the guardrail; a malformed file or an Allow of every action is refused. */
  static List<PolicyStatement> read(Path file) {
    JsonNode policy;
    try {
      policy = new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new SettingsException("context sandboxAwsPolicyFile: " + file + " (expected: a readable JSON IAM policy: "
          + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    JsonNode statements = policy == null ? null : policy.get("Statement");
    if (statements == null || !statements.isArray() || statements.isEmpty()) {
      throw new SettingsException("context sandboxAwsPolicyFile: " + file
          + " (expected: a JSON IAM policy with a non-empty Statement list)");
    }
    List<PolicyStatement> read = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (JsonNode statement : statements) {
      if (allowsEverything(statement)) {
        throw new SettingsException("context sandboxAwsPolicyFile: " + file + " allows every action (\"*\"); list"
            + " the services and actions sandboxes need instead");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> asMap = json.convertValue(statement, Map.class);
      read.add(PolicyStatement.fromJson(asMap));
    }
    read.add(PolicyStatement.Builder.create().sid("DenySensitiveOperations").effect(Effect.DENY)
        .actions(DENIED).resources(List.of("*")).build());
    return read;
  }

  private static boolean allowsEverything(JsonNode statement) {
    if (!"Allow".equals(statement.path("Effect").asText())) {
      return false;
    }
    JsonNode action = statement.path("Action");
    List<String> actions = new ArrayList<>();
    if (action.isArray()) {
      action.forEach(a -> actions.add(a.asText()));
    } else {
      actions.add(action.asText());
    }
    return statement.has("NotAction") || actions.stream().anyMatch(a -> a.equals("*") || a.equals("*:*"));
  }
}
