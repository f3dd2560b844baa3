package dev.openhands.runtime.deploy;

import java.util.List;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;

/** Bedrock for LLM calls: what the sandboxes' agents and the app may invoke, and the lists that find the models. */
final class BedrockModels {

  private BedrockModels() {}

  /**
   * Lets {@code role} invoke any foundation model or this account's inference profiles, and list them.
   *
   * @param who why the role chooses its model at run time (the start of cdk-nag's reason)
   */
  static void grantInvoke(Role role, String region, String who) {
    String account = Stack.of(role).getAccount();
    role.addToPolicy(PolicyStatement.Builder.create().sid("BedrockModelAccess")
        .actions(List.of("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"))
        .resources(List.of("arn:aws:bedrock:*::foundation-model/*",
            "arn:aws:bedrock:*:" + account + ":inference-profile/*",
            "arn:aws:bedrock:" + region + ":" + account + ":application-inference-profile/*"))
        .build());
    role.addToPolicy(PolicyStatement.Builder.create().sid("BedrockModelDiscovery")
        .actions(List.of("bedrock:ListFoundationModels", "bedrock:ListInferenceProfiles",
            "bedrock:GetInferenceProfile"))
        .resources(List.of("*")).build());
    Nag.suppressFindings(role, "AwsSolutions-IAM5", who + " Any foundation model or an inference profile of this"
        + " account; Bedrock's list calls have no resource-level rights.", List.of("Resource::*",
            "Resource::arn:aws:bedrock:*::foundation-model/*",
            "/^Resource::arn:aws:bedrock:\\*:[^:]+:inference-profile\\/\\*$/",
            "/^Resource::arn:aws:bedrock:[^:]+:[^:]+:application-inference-profile\\/\\*$/"));
  }
}
