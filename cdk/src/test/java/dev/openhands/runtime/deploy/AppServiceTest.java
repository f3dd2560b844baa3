package dev.openhands.runtime.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The OpenHands app in the Compute stack: its image and size, the original's environment with the remote runtime at
 * the orchestrator, its secrets, its Cloud Map name (the gateway's {@code APP_UPSTREAM}), and who may reach it.
 */
class AppServiceTest {

  private static Template compute;
  private static Template sandbox;

  @TempDir
  static Path outdir;

  @BeforeAll
  static void synthesize() {
    DeployApp.Stacks stacks = ExampleDeployment.build(ExampleDeployment.app(ExampleDeployment.context(), outdir));
    compute = Template.fromStack(stacks.compute());
    sandbox = Template.fromStack(stacks.sandbox());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> container(String family) {
    Map<String, Map<String, Object>> tasks = compute.findResources("AWS::ECS::TaskDefinition",
        Map.of("Properties", Map.of("Family", family)));
    assertEquals(1, tasks.size(), family);
    Map<String, Object> properties = (Map<String, Object>) tasks.values().iterator().next().get("Properties");
    return ((List<Map<String, Object>>) properties.get("ContainerDefinitions")).get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> environment(Map<String, Object> container) {
    Map<String, Object> env = new TreeMap<>();
    ((List<Map<String, Object>>) container.get("Environment")).forEach(e -> env.put((String) e.get("Name"),
        e.get("Value")));
    return env;
  }

  @Test
  void app_theOriginalsPinnedImageOnArm64_oneVcpuTwoGib_withItsHealthCheck() {
    compute.hasResourceProperties("AWS::ECS::TaskDefinition", Match.objectLike(Map.of(
        "Family", "openhands-app", "Cpu", "1024", "Memory", "2048",
        "RuntimePlatform", Map.of("CpuArchitecture", "ARM64", "OperatingSystemFamily", "LINUX"),
        "ContainerDefinitions", List.of(Match.objectLike(Map.of(
            "Name", "openhands-app",
            "Image", DeploymentSettings.DEFAULT_APP_IMAGE,
            "PortMappings", List.of(Match.objectLike(Map.of("ContainerPort", 3000))),
            "HealthCheck", Match.objectLike(Map.of("Command",
                List.of("CMD-SHELL", "curl -fs http://localhost:3000/api/health || exit 1"))),
            "MountPoints", List.of(Map.of("ContainerPath", "/data/openhands", "ReadOnly", false,
                "SourceVolume", "data"))))))));
  }

  @Test
  void app_runsSandboxesThroughTheOrchestrator_andItsDatabaseThroughTheProxy() {
    Map<String, Object> env = environment(container("openhands-app"));
    assertEquals("remote", env.get("RUNTIME"));
    assertEquals("http://orchestrator.openhands.local:8081", env.get("SANDBOX_REMOTE_RUNTIME_API_URL"));
    assertEquals("ghcr.io/openhands/agent-server", env.get("AGENT_SERVER_IMAGE_REPOSITORY"));
    assertEquals("1.19.1-python", env.get("AGENT_SERVER_IMAGE_TAG"));
    assertEquals("openhands_proxy", env.get("DB_USER"));
    assertEquals("require", env.get("DB_SSL"));
    assertEquals("openhands", env.get("DB_NAME"));
    assertTrue(String.valueOf(env.get("DB_HOST")).matches(".*OpenHands-Database:.*Proxy.*Endpoint.*"),
        "the proxy: " + env.get("DB_HOST"));
    assertEquals("s3", env.get("FILE_STORE"));
    assertTrue(String.valueOf(env.get("FILE_STORE_PATH")).contains("ConversationData"), env.toString());
    assertTrue(!env.containsKey("USER_AUTH_CLASS"), "the image's own user auth unless appUserAuthClass is set");
    assertTrue(!env.containsKey("SANDBOX_API_KEY") && !env.containsKey("DB_PASS"), "secrets are not plain: " + env);

    @SuppressWarnings("unchecked")
    List<String> secrets = ((List<Map<String, Object>>) container("openhands-app").get("Secrets")).stream()
        .map(s -> (String) s.get("Name")).toList();
    assertEquals(List.of("DB_PASS", "OH_SECRET_KEY", "SANDBOX_API_KEY"), secrets);
  }

  @Test
  void app_isFoundAtAppOpenhandsLocal_whichTheGatewayForwardsTo() {
    compute.hasResourceProperties("AWS::ServiceDiscovery::Service", Match.objectLike(Map.of("Name", "app")));
    compute.hasResourceProperties("AWS::ECS::Service", Match.objectLike(Map.of(
        "ServiceName", "openhands-app", "DesiredCount", 1)));
    assertEquals("http://app.openhands.local:3000",
        environment(container(compute.findResources("AWS::ECS::TaskDefinition").values().stream()
            .map(t -> String.valueOf(((Map<?, ?>) t.get("Properties")).get("Family")))
            .filter(f -> !f.equals("openhands-app")).findFirst().orElseThrow())).get("APP_UPSTREAM"));
  }

  @Test
  void app_takesOnlyTheGateway_andReachesTheOrchestratorAgentServersAndTheProxy() {
    Map<String, Map<String, Object>> ingress = compute.findResources("AWS::EC2::SecurityGroupIngress");
    List<String> rules = ingress.values().stream().map(r -> {
      Map<?, ?> p = (Map<?, ?>) r.get("Properties");
      return p.get("FromPort") + " " + p.get("Description");
    }).sorted().toList();
    assertTrue(rules.contains("3000 from the gateway"), rules.toString());
    assertTrue(rules.contains("8081 from the OpenHands app"), rules.toString());
    assertTrue(rules.contains("8000 from the OpenHands app"), rules.toString());
    assertTrue(rules.contains("5432 from the OpenHands app"), rules.toString());
    assertTrue(rules.stream().filter(r -> r.startsWith("3000 ")).count() == 1, "only the gateway: " + rules);
    compute.hasResourceProperties("AWS::EC2::SecurityGroup", Match.objectLike(Map.of(
        "GroupDescription", Match.stringLikeRegexp("^OpenHands app: .*"),
        "SecurityGroupEgress", Match.arrayWith(List.of(Match.objectLike(Map.of("FromPort", 443, "ToPort", 443,
            "CidrIp", "0.0.0.0/0")))))));
  }

  @Test
  void loadBalancer_theConfigurationApiFirst_thenEveryVerifiedRequestToTheGateway_runtimeFirst() {
    Map<String, Map<String, Object>> rules = compute.findResources("AWS::ElasticLoadBalancingV2::ListenerRule");
    List<Object> priorities = rules.values().stream().map(r -> ((Map<?, ?>) r.get("Properties")).get("Priority"))
        .map(Object.class::cast).sorted((a, b) -> Integer.compare((Integer) a, (Integer) b)).toList();
    assertEquals(List.of(5, 10, 20, 30), priorities);
    compute.resourceCountIs("AWS::ElasticLoadBalancingV2::TargetGroup", 2);
    compute.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", Match.objectLike(Map.of(
        "TargetType", "lambda")));
  }

  @Test
  void orchestrator_deletesAConversationsObjectsFromTheDataBucket_andNothingElse() {
    sandbox.hasResourceProperties("AWS::IAM::Policy", Match.objectLike(Map.of("PolicyDocument", Match.objectLike(
        Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
            "Sid", "DeleteConversationData", "Action", "s3:DeleteObject")))))))));
    sandbox.hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
        "PublicAccessBlockConfiguration", Map.of("BlockPublicAcls", true, "BlockPublicPolicy", true,
            "IgnorePublicAcls", true, "RestrictPublicBuckets", true))));
  }
}
