package dev.openhands.runtime.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The Sandbox stack: the workspace file system, the sandbox task definition, the orchestrator service with exactly
 * the rights its {@code ecs} provider uses, and the gateway wired to it (row 20's wake calls).
 */
class SandboxStackTest {

  private static Template sandbox;
  private static Template compute;

  @TempDir
  static Path outdir;

  @BeforeAll
  static void synthesize() {
    App app = ExampleDeployment.app(ExampleDeployment.context(), outdir);
    DeployApp.Stacks stacks = ExampleDeployment.build(app);
    sandbox = Template.fromStack(stacks.sandbox());
    compute = Template.fromStack(stacks.compute());
  }

  @Test
  void workspace_encryptedRetainedInfrequentAccessAfter14Days_withTheBaseAccessPoint() {
    sandbox.hasResource("AWS::EFS::FileSystem", Match.objectLike(Map.of(
        "DeletionPolicy", "Retain",
        "Properties", Match.objectLike(Map.of("Encrypted", true,
            "LifecyclePolicies", Match.arrayWith(List.of(Map.of("TransitionToIA", "AFTER_14_DAYS"))))))));
    sandbox.hasResourceProperties("AWS::EFS::AccessPoint", Match.objectLike(Map.of(
        "RootDirectory", Match.objectLike(Map.of("Path", "/sandbox-workspace")),
        "PosixUser", Map.of("Uid", "1000", "Gid", "1000"))));
  }

  @Test
  void sandboxTask_theAgentServerOnArm64_withItsWorkspaceVolumeAndAliveCheck() {
    sandbox.hasResourceProperties("AWS::ECS::TaskDefinition", Match.objectLike(Map.of(
        "Family", "openhands-sandbox", "Cpu", "2048", "Memory", "4096",
        "RuntimePlatform", Map.of("CpuArchitecture", "ARM64", "OperatingSystemFamily", "LINUX"),
        "Volumes", List.of(Match.objectLike(Map.of("Name", "workspace", "EFSVolumeConfiguration",
            Match.objectLike(Map.of("TransitEncryption", "ENABLED"))))),
        "ContainerDefinitions", List.of(Match.objectLike(Map.of(
            "Name", "agent-server",
            "Image", DeploymentSettings.DEFAULT_SANDBOX_IMAGE,
            "HealthCheck", Match.objectLike(Map.of("Command",
                List.of("CMD-SHELL", "curl -fs http://localhost:8000/alive || exit 1"))),
            "MountPoints", List.of(Map.of("ContainerPath", "/mnt/efs", "ReadOnly", false,
                "SourceVolume", "workspace"))))))));
  }

  @Test
  void orchestrator_twoTasksAtOrchestratorOpenhandsLocal_onTheEcsProvider() {
    sandbox.hasResourceProperties("AWS::ECS::Service", Match.objectLike(Map.of(
        "ServiceName", "openhands-orchestrator", "DesiredCount", 2)));
    sandbox.hasResourceProperties("AWS::ServiceDiscovery::Service", Match.objectLike(Map.of("Name", "orchestrator")));
    sandbox.hasResourceProperties("AWS::ECS::TaskDefinition", Match.objectLike(Map.of(
        "Family", "openhands-orchestrator",
        "ContainerDefinitions", List.of(Match.objectLike(Map.of(
            "Environment", Match.arrayWith(List.of(
                Map.of("Name", "SANDBOX_PROVIDER", "Value", "ecs"),
                Map.of("Name", "SANDBOX_TASK_FAMILY", "Value", "openhands-sandbox"),
                Map.of("Name", "WORKSPACE_ROOT", "Value", "/mnt/workspace"))),
            "Secrets", Match.arrayWith(List.of(
                Match.objectLike(Map.of("Name", "ORCHESTRATOR_API_KEYS")),
                Match.objectLike(Map.of("Name", "ORCHESTRATOR_GATEWAY_API_KEYS")))),
            "ReadonlyRootFilesystem", true, "User", "10001"))))));
  }

  @Test
  void orchestrator_mayCallExactlyWhatTheProviderCalls() {
    TreeSet<String> actions = new TreeSet<>();
    for (Map<String, Object> statement : statementsOf("OrchestratorTaskRole")) {
      Object action = statement.get("Action");
      if (action instanceof List<?> list) {
        list.forEach(a -> actions.add(String.valueOf(a)));
      } else {
        actions.add(String.valueOf(action));
      }
    }
    actions.removeIf(a -> a.startsWith("dynamodb:") || a.startsWith("kms:"));
    assertEquals(new TreeSet<>(List.of("ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask", "ecs:TagResource",
        "ecs:ListTasks", "ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition",
        "iam:PassRole", "s3:ListBucket", "s3:DeleteObject", "elasticfilesystem:CreateAccessPoint", "elasticfilesystem:TagResource",
        "elasticfilesystem:DescribeAccessPoints", "elasticfilesystem:DeleteAccessPoint",
        "elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite")), actions);
    Map<String, Object> run = statementsOf("OrchestratorTaskRole").stream()
        .filter(s -> "RunSandboxTasks".equals(s.get("Sid"))).findFirst().orElseThrow();
    assertTrue(String.valueOf(run.get("Resource")).contains("task-definition/openhands-sandbox:*"), run.toString());
    assertTrue(String.valueOf(run.get("Condition")).contains("ecs:cluster"), run.toString());
    Map<String, Object> pass = statementsOf("OrchestratorTaskRole").stream()
        .filter(s -> "PassSandboxRoles".equals(s.get("Sid"))).findFirst().orElseThrow();
    assertEquals(2, ((List<?>) pass.get("Resource")).size(), "the sandbox's task and execution roles only");
  }

  @Test
  void sandboxTaskRole_byDefault_mountsItsWorkspaceAndCallsBedrock_nothingElse() {
    assertEquals(new TreeSet<>(List.of("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite",
        "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:ListFoundationModels",
        "bedrock:ListInferenceProfiles", "bedrock:GetInferenceProfile")),
        new TreeSet<>(actionsOf(statementsOf(sandbox, "SandboxTaskTaskRole"))));
  }

  @Test
  void sandboxTaskRole_withoutBedrock_onlyMounts() throws Exception {
    Map<String, Object> context = ExampleDeployment.context();
    context.put("sandboxBedrockAccess", "false");
    Template template = sandboxTemplate(context);
    assertEquals(List.of("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"),
        actionsOf(statementsOf(template, "SandboxTaskTaskRole")));
  }

  @Test
  void sandboxAwsAccess_addsThePolicyFilesStatements_andTheGuardrail() throws Exception {
    Path file = outdir.resolve("sandbox-aws-policy.json");
    Files.writeString(file, """
        {"Version": "2012-10-17", "Statement": [{"Sid": "ReadTheDataSets", "Effect": "Allow",
          "Action": ["s3:GetObject", "s3:ListBucket"],
          "Resource": ["arn:aws:s3:::team-datasets", "arn:aws:s3:::team-datasets/*"]}]}
        """);
    Map<String, Object> context = ExampleDeployment.context();
    context.put("sandboxAwsAccess", "true");
    context.put("sandboxAwsPolicyFile", file.toString());
    List<Map<String, Object>> statements = statementsOf(sandboxTemplate(context), "SandboxTaskTaskRole");
    Map<String, Object> read = statements.stream().filter(st -> "ReadTheDataSets".equals(st.get("Sid")))
        .findFirst().orElseThrow();
    assertEquals(List.of("s3:GetObject", "s3:ListBucket"), read.get("Action"));
    Map<String, Object> deny = statements.stream().filter(st -> "DenySensitiveOperations".equals(st.get("Sid")))
        .findFirst().orElseThrow();
    assertEquals("Deny", deny.get("Effect"));
    assertTrue(((List<?>) deny.get("Action")).containsAll(List.of("iam:CreateAccessKey", "sts:AssumeRole",
        "iam:PassRole", "organizations:*")), deny.toString());
  }

  @Test
  void sandboxAwsAccess_refusesAPolicyThatAllowsEverything_andNeedsAFile() throws Exception {
    Path file = outdir.resolve("allow-all.json");
    Files.writeString(file, "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}");
    Map<String, Object> context = ExampleDeployment.context();
    context.put("sandboxAwsAccess", "true");
    context.put("sandboxAwsPolicyFile", file.toString());
    SettingsException everything = assertThrows(SettingsException.class, () -> sandboxTemplate(context));
    assertTrue(everything.getMessage().contains("allows every action"), everything.getMessage());
    context.remove("sandboxAwsPolicyFile");
    SettingsException none = assertThrows(SettingsException.class, () -> sandboxTemplate(context));
    assertTrue(none.getMessage().startsWith("context sandboxAwsPolicyFile: not set"), none.getMessage());
  }

  private static Template sandboxTemplate(Map<String, Object> context) throws java.io.IOException {
    Path dir = Files.createTempDirectory(outdir, "app");
    return Template.fromStack(ExampleDeployment.build(ExampleDeployment.app(context, dir)).sandbox());
  }

  private static List<String> actionsOf(List<Map<String, Object>> statements) {
    List<String> actions = new ArrayList<>();
    for (Map<String, Object> statement : statements) {
      Object action = statement.get("Action");
      if (action instanceof List<?> list) {
        list.forEach(a -> actions.add(String.valueOf(a)));
      } else {
        actions.add(String.valueOf(action));
      }
    }
    return actions;
  }

  @Test
  void gateway_wakesThroughTheOrchestratorWithItsOwnKey() {
    compute.hasResourceProperties("AWS::ECS::TaskDefinition", Match.objectLike(Map.of(
        "ContainerDefinitions", List.of(Match.objectLike(Map.of(
            "Environment", Match.arrayWith(List.of(Map.of("Name", "ORCHESTRATOR_URL",
                "Value", "http://orchestrator.openhands.local:8081"))),
            "Secrets", Match.arrayWith(List.of(Match.objectLike(Map.of("Name", "ORCHESTRATOR_API_KEY"))))))))));
    sandbox.hasResourceProperties("AWS::EC2::SecurityGroupIngress", Match.objectLike(Map.of(
        "IpProtocol", "tcp", "FromPort", 8081, "ToPort", 8081, "Description", "wake calls from the gateway")));
    sandbox.hasResourceProperties("AWS::EC2::SecurityGroupIngress", Match.objectLike(Map.of(
        "IpProtocol", "tcp", "FromPort", 8000, "ToPort", 8000, "Description", "from the orchestrator")));
  }

  /** The statements of the policies on the role whose logical id starts with {@code rolePrefix}. */
  private static List<Map<String, Object>> statementsOf(String rolePrefix) {
    return statementsOf(sandbox, rolePrefix);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> statementsOf(Template template, String rolePrefix) {
    List<Map<String, Object>> statements = new ArrayList<>();
    Map<String, Object> resources = (Map<String, Object>) template.toJSON().get("Resources");
    for (Object value : resources.values()) {
      Map<String, Object> resource = (Map<String, Object>) value;
      if (!"AWS::IAM::Policy".equals(resource.get("Type"))) {
        continue;
      }
      Map<String, Object> properties = (Map<String, Object>) resource.get("Properties");
      if (String.valueOf(properties.get("Roles")).contains(rolePrefix)) {
        statements.addAll((List<Map<String, Object>>) ((Map<String, Object>) properties.get("PolicyDocument"))
            .get("Statement"));
      }
    }
    assertTrue(!statements.isEmpty(), "no policy on " + rolePrefix);
    return statements;
  }
}
