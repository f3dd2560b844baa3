package dev.openhands.runtime.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The UserConfig stack: the Java function with SnapStart behind the load balancer, its narrow rights on the data
 * bucket and the envelope key, and the app told where users' secrets are and allowed to open them.
 */
class UserConfigStackTest {

  private static Template userConfig;
  private static Template compute;

  @TempDir
  static Path outdir;

  @BeforeAll
  static void synthesize() {
    DeployApp.Stacks stacks = ExampleDeployment.build(ExampleDeployment.app(ExampleDeployment.context(), outdir));
    userConfig = Template.fromStack(stacks.userConfig());
    compute = Template.fromStack(stacks.compute());
  }

  @Test
  void function_java21OnArm64_withSnapStartOnItsLiveAlias() {
    userConfig.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
        "Runtime", "java21",
        "Architectures", List.of("arm64"),
        "Handler", UserConfigStack.HANDLER + "::handleRequest",
        "SnapStart", Map.of("ApplyOn", "PublishedVersions"),
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "DATA_BUCKET", Match.anyValue(), "KMS_KEY_ID", Match.anyValue()))))));
    userConfig.hasResourceProperties("AWS::Lambda::Alias", Match.objectLike(Map.of("Name", "live")));
    userConfig.hasResourceProperties("AWS::KMS::Key", Match.objectLike(Map.of("EnableKeyRotation", true)));
  }

  @Test
  void function_mayTouchOnlyUsersDocuments_andSealAndOpenWithItsKey() {
    String policies = userConfig.findResources("AWS::IAM::Policy").toString();
    assertTrue(policies.contains("/users/*"), policies);
    assertTrue(policies.contains("kms:GenerateDataKey") && policies.contains("kms:Decrypt"), policies);
    assertTrue(!policies.contains("kms:Encrypt\""), "no direct encryption: envelope only");
  }

  @Test
  void app_isToldWhereUsersSecretsAre_andMayOpenThem() {
    compute.hasResourceProperties("AWS::ECS::TaskDefinition", Match.objectLike(Map.of(
        "Family", "openhands-app",
        "ContainerDefinitions", List.of(Match.objectLike(Map.of("Environment", Match.arrayWith(List.of(
            Map.of("Name", "USER_CONFIG_ENABLED", "Value", "true"),
            Match.objectLike(Map.of("Name", "USER_SECRETS_KMS_KEY_ID"))))))))));
    String policies = compute.findResources("AWS::IAM::Policy").toString();
    assertTrue(policies.contains("kms:Decrypt"), policies);
  }

  @Test
  void withoutSnapStart_theLoadBalancerInvokesTheFunctionItself() {
    Map<String, Object> context = new HashMap<>(ExampleDeployment.context());
    context.put("userConfigSnapStart", "false");
    DeployApp.Stacks stacks = ExampleDeployment.build(ExampleDeployment.app(context, outdir.resolve("off")));
    Template plain = Template.fromStack(stacks.userConfig());
    plain.resourceCountIs("AWS::Lambda::Alias", 0);
    plain.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of("Runtime", "java21",
        "Handler", UserConfigStack.HANDLER + "::handleRequest")));
    assertTrue(!plain.toJSON().toString().contains("SnapStart"), "no SnapStart");
  }
}
