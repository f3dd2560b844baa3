package dev.openhands.runtime.deploy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ecr.assets.DockerImageAsset;
import software.amazon.awscdk.services.ecr.assets.Platform;
import software.amazon.awscdk.services.ecs.AuthorizationConfig;
import software.amazon.awscdk.services.ecs.CloudMapOptions;
import software.amazon.awscdk.services.ecs.ContainerDefinition;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.DeploymentCircuitBreaker;
import software.amazon.awscdk.services.ecs.EfsVolumeConfiguration;
import software.amazon.awscdk.services.ecs.FargateService;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.ICluster;
import software.amazon.awscdk.services.ecs.MountPoint;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.PropagatedTagSource;
import software.amazon.awscdk.services.ecs.Secret;
import software.amazon.awscdk.services.ecs.Volume;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.servicediscovery.DnsRecordType;
import software.amazon.awscdk.services.servicediscovery.INamespace;
import software.constructs.Construct;

/**
 * The orchestrator as a Fargate service of two tasks (one per zone, for availability), built from the root
 * Dockerfile's {@code orchestrator} target and found at {@code orchestrator.openhands.local:8081} (Cloud Map). It
 * mounts the workspace file system's base access point for archive and delete. Its task role allows exactly what the
 * {@code ecs} provider calls, on this cluster, this task family, this file system and the two sandbox roles.
 */
public final class OrchestratorService extends Construct {

  public static final String CLOUD_MAP_NAME = "orchestrator";
  public static final int API_PORT = 8081;
  public static final int ADMIN_PORT = 9091;
  static final String WORKSPACE_ROOT = "/mnt/workspace";
  /** The image's non-root user (Dockerfile). */
  static final String IMAGE_USER = "10001";

  /**
   * What the service is made of.
   *
   * @param appKey the app's API key ({@code ORCHESTRATOR_API_KEYS})
   * @param gatewayKey the gateway's API key ({@code ORCHESTRATOR_GATEWAY_API_KEYS})
   * @param database the app's database, where the owner of a conversation is looked up ({@code OWNER_DB_URL})
   * @param conversationData the app's data bucket, from which {@code /delete} removes a conversation's objects
   */
  public record Props(DeploymentSettings settings, Path dockerContext, IVpc vpc, ICluster cluster,
      INamespace namespace, ISecurityGroup group, ISecurityGroup sandboxGroup, SandboxRegistryTable registry,
      SandboxWorkspace workspace, SandboxTaskDefinition sandbox, ISecret appKey, ISecret gatewayKey,
      DatabaseStack database, IBucket conversationData) {}

  private final FargateService service;
  private final Role taskRole;

  public OrchestratorService(Construct scope, String id, Props props) {
    super(scope, id);
    DeploymentSettings settings = props.settings();
    taskRole = Role.Builder.create(this, "TaskRole").assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com"))
        .description("The orchestrator: runs and stops sandbox tasks, their access points, the registry").build();
    grantProviderCalls(props);
    props.registry().grantOrchestratorAccess(taskRole);

    FargateTaskDefinition task = FargateTaskDefinition.Builder.create(this, "Task")
        .family(settings.siteName() + "-orchestrator")
        .cpu(512).memoryLimitMiB(1024)
        .runtimePlatform(FargateTasks.arm64())
        .taskRole(taskRole)
        .volumes(List.of(Volume.builder().name("workspace").efsVolumeConfiguration(EfsVolumeConfiguration.builder()
            .fileSystemId(props.workspace().fileSystem().getFileSystemId())
            .transitEncryption("ENABLED")
            .authorizationConfig(AuthorizationConfig.builder()
                .accessPointId(props.workspace().base().getAccessPointId()).iam("ENABLED").build())
            .build()).build()))
        .build();
    LogGroup logs = LogGroup.Builder.create(this, "Logs").logGroupName("/" + settings.siteName() + "/orchestrator")
        .retention(RetentionDays.ONE_MONTH).build();
    ContainerDefinition container = task.addContainer("orchestrator", ContainerDefinitionOptions.builder()
        .image(ContainerImage.fromDockerImageAsset(DockerImageAsset.Builder.create(this, "Image")
            .directory(props.dockerContext().toString()).target("orchestrator").platform(Platform.LINUX_ARM64)
            .build()))
        .environment(environment(props))
        // Sorted, so that every synth writes the same template (Map.of's order changes from run to run).
        .secrets(new TreeMap<>(Map.of(
            "ORCHESTRATOR_API_KEYS", Secret.fromSecretsManager(props.appKey()),
            "ORCHESTRATOR_GATEWAY_API_KEYS", Secret.fromSecretsManager(props.gatewayKey()),
            "OWNER_DB_USER", Secret.fromSecretsManager(props.database().proxySecret(), "username"),
            "OWNER_DB_PASSWORD", Secret.fromSecretsManager(props.database().proxySecret(), "password"))))
        .portMappings(List.of(PortMapping.builder().name("api").containerPort(API_PORT).build(),
            PortMapping.builder().name("admin").containerPort(ADMIN_PORT).build()))
        .logging(FargateTasks.logsTo(logs, "orchestrator"))
        .stopTimeout(Duration.seconds(30))
        .readonlyRootFilesystem(true)
        .user(IMAGE_USER)
        .build());
    container.addMountPoints(MountPoint.builder().sourceVolume("workspace").containerPath(WORKSPACE_ROOT)
        .readOnly(false).build());
    task.addVolume(Volume.builder().name("tmp").build());
    container.addMountPoints(MountPoint.builder().sourceVolume("tmp").containerPath("/tmp").readOnly(false).build());
    Nag.suppress(task, "AwsSolutions-ECS2", "Only non-secret settings are plain environment variables; both API"
        + " keys and the database user come from Secrets Manager.");
    FargateTasks.suppressExecutionRoleWildcard(task);

    service = FargateService.Builder.create(this, "Service").cluster(props.cluster()).taskDefinition(task)
        .serviceName(settings.siteName() + "-orchestrator")
        .desiredCount(2)
        .securityGroups(List.of(props.group())).vpcSubnets(NetworkStack.TASK_SUBNETS).assignPublicIp(false)
        .circuitBreaker(DeploymentCircuitBreaker.builder().enable(true).rollback(true).build())
        .minHealthyPercent(50).maxHealthyPercent(200)
        .cloudMapOptions(CloudMapOptions.builder().cloudMapNamespace(props.namespace()).name(CLOUD_MAP_NAME)
            .dnsRecordType(DnsRecordType.A).dnsTtl(Duration.seconds(10)).containerPort(API_PORT).build())
        .propagateTags(PropagatedTagSource.SERVICE)
        .build();
  }

  private static Map<String, String> environment(Props props) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("ORCHESTRATOR_PORT", String.valueOf(API_PORT));
    env.put("ADMIN_PORT", String.valueOf(ADMIN_PORT));
    env.put("SANDBOX_TABLE", props.registry().tableName());
    env.put("AWS_REGION", props.settings().region());
    env.put("SANDBOX_PROVIDER", "ecs");
    env.put("ECS_CLUSTER", props.cluster().getClusterName());
    env.put("SANDBOX_TASK_FAMILY", SandboxTaskDefinition.family(props.settings()));
    env.put("SANDBOX_SUBNETS", String.join(",", props.vpc().selectSubnets(NetworkStack.TASK_SUBNETS).getSubnetIds()));
    env.put("SANDBOX_SECURITY_GROUPS", props.sandboxGroup().getSecurityGroupId());
    env.put("EFS_FILE_SYSTEM_ID", props.workspace().fileSystem().getFileSystemId());
    env.put("WORKSPACE_ROOT", WORKSPACE_ROOT);
    env.put("AGENT_SERVER_PORT", String.valueOf(SandboxTaskDefinition.AGENT_SERVER_PORT));
    env.put("OWNER_DB_URL", props.database().jdbcUrl());
    env.put("DATA_BUCKET", props.conversationData().getBucketName());
    return env;
  }

  /** What the {@code ecs} provider calls, and nothing else. */
  private void grantProviderCalls(Props props) {
    Stack stack = Stack.of(this);
    String clusterArn = props.cluster().getClusterArn();
    Map<String, Object> onThisCluster = Map.of("ArnEquals", Map.of("ecs:cluster", clusterArn));
    String family = SandboxTaskDefinition.family(props.settings());
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("RunSandboxTasks")
        .actions(List.of("ecs:RunTask"))
        .resources(List.of(stack.formatArn(software.amazon.awscdk.ArnComponents.builder().service("ecs")
            .resource("task-definition").resourceName(family + ":*").build())))
        .conditions(onThisCluster).build());
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("WatchAndStopSandboxTasks")
        .actions(List.of("ecs:DescribeTasks", "ecs:StopTask", "ecs:TagResource"))
        .resources(List.of(stack.formatArn(software.amazon.awscdk.ArnComponents.builder().service("ecs")
            .resource("task").resourceName(props.cluster().getClusterName() + "/*").build())))
        .conditions(onThisCluster).build());
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("ListSandboxTasks")
        .actions(List.of("ecs:ListTasks"))
        .resources(List.of("*"))
        .conditions(onThisCluster).build());
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("SandboxTaskRevisions")
        .actions(List.of("ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition"))
        .resources(List.of("*")).build());
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("PassSandboxRoles")
        .actions(List.of("iam:PassRole"))
        .resources(List.of(props.sandbox().taskRole().getRoleArn(), props.sandbox().executionRole().getRoleArn()))
        .conditions(Map.of("StringEquals", Map.of("iam:PassedToService", "ecs-tasks.amazonaws.com"))).build());
    String fileSystemArn = props.workspace().fileSystem().getFileSystemArn();
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("ConversationAccessPoints")
        .actions(List.of("elasticfilesystem:CreateAccessPoint", "elasticfilesystem:TagResource"))
        .resources(List.of(fileSystemArn)).build());
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("ConversationAccessPointsOfThisFileSystem")
        .actions(List.of("elasticfilesystem:DescribeAccessPoints", "elasticfilesystem:DeleteAccessPoint"))
        .resources(List.of(stack.formatArn(software.amazon.awscdk.ArnComponents.builder()
            .service("elasticfilesystem").resource("access-point").resourceName("*").build())))
        .build());
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("MountWorkspaces")
        .actions(List.of("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"))
        .resources(List.of(fileSystemArn))
        .conditions(Map.of("Bool", Map.of("elasticfilesystem:AccessedViaMountTarget", "true"))).build());
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("ListConversationData")
        .actions(List.of("s3:ListBucket"))
        .resources(List.of(props.conversationData().getBucketArn()))
        .conditions(Map.of("StringLike", Map.of("s3:prefix", List.of("users/*")))).build());
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("DeleteConversationData")
        .actions(List.of("s3:DeleteObject"))
        .resources(List.of(props.conversationData().arnForObjects("users/*"))).build());
    Nag.suppressFindings(taskRole, "AwsSolutions-IAM5", "ECS has no resource-level rights for ListTasks and the"
        + " task definition calls (ListTasks is held to this cluster by its condition); RunTask is held to this"
        + " family's revisions, Describe/Stop/Tag to this cluster's tasks, access points to this account's (their"
        + " ids are made at run time); the registry grant covers the table's two indexes and the KMS calls DynamoDB"
        + " makes with the table's key; /delete removes objects below users/ of the data bucket.", List.of("Resource::*", "Action::kms:ReEncrypt*",
            "Action::kms:GenerateDataKey*",
            "/^Resource::arn:<AWS::Partition>:ecs:[^:]+:[^:]+:task-definition\\/" + family + ":\\*$/",
            "/^Resource::arn:<AWS::Partition>:ecs:[^:]+:[^:]+:task\\/.+\\/\\*$/",
            "/^Resource::arn:<AWS::Partition>:elasticfilesystem:[^:]+:[^:]+:access-point\\/\\*$/",
            "/^Resource::<SandboxRegistry[A-Za-z0-9]+\\.Arn>\\/index\\/\\*$/",
            "/^Resource::<ConversationData[A-Za-z0-9]+\\.Arn>\\/users\\/\\*$/",
            "/^Resource::arn:<AWS::Partition>:s3:::.+\\/users\\/\\*$/"));
  }

  public FargateService service() {
    return service;
  }

  public Role taskRole() {
    return taskRole;
  }

  /** Where the app and the gateway reach it. */
  public static String url(String namespace) {
    return "http://" + CLOUD_MAP_NAME + "." + namespace + ":" + API_PORT;
  }
}
