package dev.openhands.runtime.deploy;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.ecs.AuthorizationConfig;
import software.amazon.awscdk.services.ecs.ContainerDefinition;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.EfsVolumeConfiguration;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.LinuxParameters;
import software.amazon.awscdk.services.ecs.MountPoint;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.Volume;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The sandbox task definition ({@code {siteName}-sandbox}, the orchestrator's {@code SANDBOX_TASK_FAMILY}): one
 * agent-server container on ARM64, its {@code workspace} volume on the workspace file system, {@code /alive} as its
 * health check, logs in their own group. The orchestrator registers a revision per conversation from this one, with
 * the volume moved to the conversation's own access point. The task role has no AWS rights beyond mounting its
 * workspace: code the agent writes runs here.
 */
public final class SandboxTaskDefinition extends Construct {

  public static final String CONTAINER = "agent-server";
  public static final int AGENT_SERVER_PORT = 8000;
  /** Where the workspace volume is mounted: the conversation's own directory. */
  public static final String WORKSPACE_MOUNT = "/mnt/efs";
  /** Points the project and the conversation state at the workspace, then runs the agent-server. */
  static final String START = "if mountpoint -q " + WORKSPACE_MOUNT + " 2>/dev/null; then mkdir -p "
      + WORKSPACE_MOUNT + "/project && rm -rf /workspace/project && ln -s " + WORKSPACE_MOUNT
      + "/project /workspace/project && export OH_CONVERSATIONS_PATH=" + WORKSPACE_MOUNT
      + "; else mkdir -p /workspace/project; fi; exec openhands-agent-server --port " + AGENT_SERVER_PORT;

  private final FargateTaskDefinition task;
  private final Role taskRole;

  /** @param awsPolicy the operator's AWS rights for sandboxes, guardrail included (empty: none) */
  public SandboxTaskDefinition(Construct scope, String id, DeploymentSettings settings, SandboxWorkspace workspace,
      List<PolicyStatement> awsPolicy) {
    super(scope, id);
    LogGroup logs = LogGroup.Builder.create(this, "Logs").logGroupName("/" + settings.siteName() + "/sandbox")
        .retention(RetentionDays.ONE_MONTH).build();
    taskRole = Role.Builder.create(this, "TaskRole").assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com"))
        .description("Sandbox tasks: their workspace mount, Bedrock models, and only what the operator's policy file"
            + " adds (agent-written code runs here)")
        .build();
    if (settings.sandboxBedrockAccess()) {
      BedrockModels.grantInvoke(taskRole, settings.region(), "The agent chooses its model at run time;"
          + " sandboxBedrockAccess=false removes this.");
    }
    awsPolicy.forEach(taskRole::addToPolicy);
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("MountWorkspace")
        .actions(List.of("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"))
        .resources(List.of(workspace.fileSystem().getFileSystemArn()))
        .conditions(Map.of("Bool", Map.of("elasticfilesystem:AccessedViaMountTarget", "true")))
        .build());
    task = FargateTaskDefinition.Builder.create(this, "Task")
        .family(family(settings))
        .cpu(settings.sandboxCpu()).memoryLimitMiB(settings.sandboxMemory())
        .runtimePlatform(FargateTasks.arm64())
        .taskRole(taskRole)
        .volumes(List.of(Volume.builder().name("workspace").efsVolumeConfiguration(EfsVolumeConfiguration.builder()
            .fileSystemId(workspace.fileSystem().getFileSystemId())
            .transitEncryption("ENABLED")
            .authorizationConfig(AuthorizationConfig.builder().accessPointId(workspace.base().getAccessPointId())
                .iam("ENABLED").build())
            .build()).build()))
        .build();
    ContainerDefinition agent = task.addContainer(CONTAINER, ContainerDefinitionOptions.builder()
        .containerName(CONTAINER)
        .image(ContainerImage.fromRegistry(settings.sandboxImage()))
        .essential(true)
        .entryPoint(List.of("/bin/sh", "-c"))
        .command(List.of(START))
        // Fargate has no docker-init: ECS's init process reaps the agent's children instead.
        .linuxParameters(LinuxParameters.Builder.create(this, "Linux").initProcessEnabled(true).build())
        .portMappings(List.of(PortMapping.builder().containerPort(AGENT_SERVER_PORT).build()))
        .logging(FargateTasks.logsTo(logs, "sandbox"))
        .healthCheck(software.amazon.awscdk.services.ecs.HealthCheck.builder()
            .command(List.of("CMD-SHELL", "curl -fs http://localhost:" + AGENT_SERVER_PORT + "/alive || exit 1"))
            .interval(Duration.seconds(30)).timeout(Duration.seconds(10)).retries(3)
            .startPeriod(Duration.seconds(60)).build())
        .environment(Map.of("AWS_DEFAULT_REGION", settings.region()))
        .build());
    agent.addMountPoints(MountPoint.builder().sourceVolume("workspace").containerPath(WORKSPACE_MOUNT)
        .readOnly(false).build());
    Nag.suppress(task, "AwsSolutions-ECS2", "The only plain variable is the region; the orchestrator passes the"
        + " conversation's environment (the app's settings) as overrides at RunTask.");
    FargateTasks.suppressExecutionRoleWildcard(task);
  }

  /** The agent's LLM calls, as the original allows them: invoking models and inference profiles, and listing them. */
  /** The task family the orchestrator runs and registers revisions of. */
  public static String family(DeploymentSettings settings) {
    return settings.siteName() + "-sandbox";
  }

  public FargateTaskDefinition task() {
    return task;
  }

  public IRole taskRole() {
    return taskRole;
  }

  /** The role ECS pulls the image and writes logs with. */
  public IRole executionRole() {
    return task.obtainExecutionRole();
  }
}
