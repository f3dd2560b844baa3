package dev.openhands.runtime.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * Step 1 of a rotation ({@code originSecretRotating=true}): every place that reads the origin secret reads a
 * different JSON field than in steady state, so CloudFormation re-reads the secret for each of them.
 */
class OriginSecretRotationTest {

  @TempDir
  static Path outdir;

  private static Template compute;
  private static Template edge;

  @BeforeAll
  static void synthesize() {
    Map<String, Object> context = ExampleDeployment.context();
    context.put("originSecretRotating", "true");
    App app = ExampleDeployment.app(context, outdir);
    DeployApp.Stacks stacks = ExampleDeployment.build(app);
    compute = Template.fromStack(stacks.compute());
    edge = Template.fromStack(stacks.edge().orElseThrow());
  }

  @Test
  void loadBalancer_acceptsCurrentAndNext() {
    compute.hasResourceProperties("AWS::ElasticLoadBalancingV2::ListenerRule", Match.objectLike(Map.of(
        "Priority", 30, "Conditions", List.of(Match.objectLike(Map.of("HttpHeaderConfig", Map.of(
            "HttpHeaderName", "X-Origin-Verify", "Values", List.of(joinedReference("current"),
                joinedReference("next")))))))));
  }

  @Test
  void gateway_readsBothValuesFromAccepted() {
    String taskDefinition = compute.findResources("AWS::ECS::TaskDefinition").toString();
    assertTrue(taskDefinition.contains(":accepted::"), taskDefinition);
    assertTrue(!taskDefinition.contains(":current::"), taskDefinition);
  }

  @Test
  void cloudFront_sendsNext() {
    edge.hasResourceProperties("AWS::CloudFront::Distribution", Map.of("DistributionConfig", Match.objectLike(Map.of(
        "Origins", List.of(Match.objectLike(Map.of("OriginCustomHeaders", List.of(Map.of(
            "HeaderName", "X-Origin-Verify",
            "HeaderValue", "{{resolve:secretsmanager:openhands/origin-verify:SecretString:next::}}")))))))));
  }

  private static Object joinedReference(String field) {
    return Match.objectLike(Map.of("Fn::Join", List.of("", Match.arrayWith(List.of(
        "{{resolve:secretsmanager:", ":SecretString:" + field + "::}}")))));
  }
}
