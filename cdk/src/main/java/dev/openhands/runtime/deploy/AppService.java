package dev.openhands.runtime.deploy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ecs.AuthorizationConfig;
import software.amazon.awscdk.services.ecs.CloudMapOptions;
import software.amazon.awscdk.services.ecs.ContainerDefinition;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.CpuUtilizationScalingProps;
import software.amazon.awscdk.services.ecs.DeploymentCircuitBreaker;
import software.amazon.awscdk.services.ecs.EfsVolumeConfiguration;
import software.amazon.awscdk.services.applicationautoscaling.EnableScalingProps;
import software.amazon.awscdk.services.ecs.FargateService;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.HealthCheck;
import software.amazon.awscdk.services.ecs.ICluster;
import software.amazon.awscdk.services.ecs.MountPoint;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.PropagatedTagSource;
import software.amazon.awscdk.services.ecs.Secret;
import software.amazon.awscdk.services.ecs.Volume;
import software.amazon.awscdk.services.efs.AccessPoint;
import software.amazon.awscdk.services.efs.Acl;
import software.amazon.awscdk.services.efs.FileSystem;
import software.amazon.awscdk.services.efs.LifecyclePolicy;
import software.amazon.awscdk.services.efs.PosixUser;
import software.amazon.awscdk.services.efs.ThroughputMode;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.servicediscovery.DnsRecordType;
import software.amazon.awscdk.services.servicediscovery.INamespace;
import software.constructs.Construct;

/**
 * The OpenHands app as a Fargate service, found at {@code app.openhands.local:3000} (the gateway's
 * {@code APP_UPSTREAM}): the image of {@code appImage}, 1 vCPU and 2 GiB on ARM64 by default, its own file system at
 * {@code /data/openhands}, and the environment of the original's app container with {@code RUNTIME=remote}
 * pointing at the orchestrator (with the app's own API key), the database through RDS Proxy with TLS, and the
 * conversation data bucket. Only the gateway reaches it; it reaches the orchestrator, the agent-servers of
 * sandboxes, the database proxy, its file system and HTTPS (LLM providers, AWS APIs).
 */
public final class AppService extends Construct {

  public static final String CLOUD_MAP_NAME = "app";
  public static final String CONTAINER = "openhands-app";
  static final String DATA_MOUNT = "/data/openhands";

  /**
   * What the service is made of.
   *
   * @param key encrypts the app's file system
   */
  public record Props(DeploymentSettings settings, IVpc vpc, ICluster cluster, INamespace namespace, IKey key,
      SecurityStack security, SandboxStack sandbox, DatabaseStack database, UserConfigStack userConfig) {}

  private final SecurityGroup group;
  private final FargateService service;
  private final Role taskRole;

  public AppService(Construct scope, String id, Props props) {
    super(scope, id);
    DeploymentSettings settings = props.settings();
    group = SecurityGroup.Builder.create(this, "Group").vpc(props.vpc()).allowAllOutbound(false)
        .description("OpenHands app: from the gateway; to the orchestrator, agent-servers, the database and HTTPS")
        .build();
    connect(props);

    FileSystem data = FileSystem.Builder.create(this, "Data").vpc(props.vpc()).vpcSubnets(NetworkStack.TASK_SUBNETS)
        .encrypted(true).kmsKey(props.key()).lifecyclePolicy(LifecyclePolicy.AFTER_14_DAYS)
        .throughputMode(ThroughputMode.ELASTIC).enableAutomaticBackups(true).removalPolicy(RemovalPolicy.RETAIN)
        .build();
    data.getConnections().allowDefaultPortFrom(group, "NFS from the app");
    AccessPoint dataRoot = AccessPoint.Builder.create(this, "DataRoot").fileSystem(data).path("/openhands")
        .posixUser(PosixUser.builder().uid("0").gid("0").build())
        .createAcl(Acl.builder().ownerUid("0").ownerGid("0").permissions("755").build()).build();

    taskRole = Role.Builder.create(this, "TaskRole").assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com"))
        .description("The OpenHands app: its file system, the conversation data bucket, Bedrock models").build();
    props.sandbox().conversationData().grantReadWrite(taskRole);
    // The app's loader opens the secrets users stored through the configuration API.
    props.userConfig().secretsKey().grantDecrypt(taskRole);
    taskRole.addToPolicy(PolicyStatement.Builder.create().sid("MountAppData")
        .actions(List.of("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite",
            "elasticfilesystem:ClientRootAccess"))
        .resources(List.of(data.getFileSystemArn()))
        .conditions(Map.of("Bool", Map.of("elasticfilesystem:AccessedViaMountTarget", "true"))).build());
    BedrockModels.grantInvoke(taskRole, settings.region(), "Users choose the app's model at run time.");

    FargateTaskDefinition task = FargateTaskDefinition.Builder.create(this, "Task")
        .family(settings.siteName() + "-app")
        .cpu(settings.appCpu()).memoryLimitMiB(settings.appMemory())
        .runtimePlatform(FargateTasks.arm64())
        .taskRole(taskRole)
        .volumes(List.of(Volume.builder().name("data").efsVolumeConfiguration(EfsVolumeConfiguration.builder()
            .fileSystemId(data.getFileSystemId()).transitEncryption("ENABLED")
            .authorizationConfig(AuthorizationConfig.builder().accessPointId(dataRoot.getAccessPointId())
                .iam("ENABLED").build())
            .build()).build()))
        .build();
    LogGroup logs = LogGroup.Builder.create(this, "Logs").logGroupName("/" + settings.siteName() + "/app")
        .retention(RetentionDays.ONE_MONTH).build();
    ContainerDefinition container = task.addContainer(CONTAINER, ContainerDefinitionOptions.builder()
        .containerName(CONTAINER)
        .image(ContainerImage.fromRegistry(settings.appImage()))
        .environment(environment(props))
        // Sorted, so that every synth writes the same template.
        .secrets(new TreeMap<>(Map.of(
            "SANDBOX_API_KEY", Secret.fromSecretsManager(props.sandbox().appKey()),
            "DB_PASS", Secret.fromSecretsManager(props.database().proxySecret(), "password"),
            "OH_SECRET_KEY", Secret.fromSecretsManager(GeneratedSecret.create(this, "SecretKey",
                settings.siteName() + "/app-secret-key",
                "OH_SECRET_KEY: encrypts the secrets users store in the OpenHands app",
                "Rotating it makes the secrets users stored unreadable: rotate only with a re-entry of them.")))))
        .portMappings(List.of(PortMapping.builder().name("http").containerPort(DeploymentSettings.APP_PORT).build()))
        .healthCheck(HealthCheck.builder()
            .command(List.of("CMD-SHELL", "curl -fs http://localhost:" + DeploymentSettings.APP_PORT
                + "/api/health || exit 1"))
            .interval(Duration.seconds(30)).timeout(Duration.seconds(10)).retries(3)
            .startPeriod(Duration.seconds(120)).build())
        .logging(FargateTasks.logsTo(logs, "app"))
        .stopTimeout(Duration.seconds(30))
        .build());
    container.addMountPoints(MountPoint.builder().sourceVolume("data").containerPath(DATA_MOUNT).readOnly(false)
        .build());
    Nag.suppress(task, "AwsSolutions-ECS2", "Only non-secret settings are plain environment variables; the"
        + " orchestrator key, the database password and the app's secret key come from Secrets Manager.");
    FargateTasks.suppressExecutionRoleWildcard(task);
    Nag.suppressFindings(taskRole, "AwsSolutions-IAM5", "The data bucket's objects are the app's own (one bucket,"
        + " every key).",
        List.of("Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*",
            "Action::s3:List*", "/^Resource::<ConversationData[A-Za-z0-9]+\\.Arn>\\/\\*$/",
            "/^Resource::OpenHands-Sandbox:ExportsOutputFnGetAttConversationData[A-Za-z0-9]+\\/\\*$/",
            "/^Resource::arn:<AWS::Partition>:s3:::.+\\/\\*$/"));

    service = FargateService.Builder.create(this, "Service").cluster(props.cluster()).taskDefinition(task)
        .serviceName(settings.siteName() + "-app")
        .desiredCount(1)
        .securityGroups(List.of(group)).vpcSubnets(NetworkStack.TASK_SUBNETS).assignPublicIp(false)
        .circuitBreaker(DeploymentCircuitBreaker.builder().enable(true).rollback(true).build())
        .minHealthyPercent(100).maxHealthyPercent(200)
        .cloudMapOptions(CloudMapOptions.builder().cloudMapNamespace(props.namespace()).name(CLOUD_MAP_NAME)
            .dnsRecordType(DnsRecordType.A).dnsTtl(Duration.seconds(10)).containerPort(DeploymentSettings.APP_PORT)
            .build())
        .propagateTags(PropagatedTagSource.SERVICE)
        .build();
    service.autoScaleTaskCount(EnableScalingProps.builder().minCapacity(1).maxCapacity(3).build())
        .scaleOnCpuUtilization("Cpu", CpuUtilizationScalingProps.builder().targetUtilizationPercent(60)
            .scaleOutCooldown(Duration.minutes(1)).scaleInCooldown(Duration.minutes(5)).build());
  }

  /** Who the app talks to, and that only the gateway talks to it. */
  private void connect(Props props) {
    ISecurityGroup gateway = props.security().gatewayGroup();
    group.addIngressRule(gateway, Port.tcp(DeploymentSettings.APP_PORT), "from the gateway");
    gateway.addEgressRule(group, Port.tcp(DeploymentSettings.APP_PORT), "the OpenHands app", true);
    ISecurityGroup orchestrator = props.sandbox().orchestratorGroup();
    group.addEgressRule(orchestrator, Port.tcp(OrchestratorService.API_PORT), "the orchestrator's API");
    orchestrator.addIngressRule(group, Port.tcp(OrchestratorService.API_PORT), "from the OpenHands app", true);
    ISecurityGroup sandboxes = props.security().sandboxGroup();
    group.addEgressRule(sandboxes, Port.tcp(SandboxTaskDefinition.AGENT_SERVER_PORT), "sandboxes' agent-servers");
    sandboxes.addIngressRule(group, Port.tcp(SandboxTaskDefinition.AGENT_SERVER_PORT), "from the OpenHands app",
        true);
    props.database().allowClient(group, "the OpenHands app");
    group.addEgressRule(Peer.anyIpv4(), Port.tcp(443), "LLM providers and AWS APIs over HTTPS");
  }

  /** The original app container's environment, with the remote runtime at the orchestrator. */
  private static Map<String, String> environment(Props props) {
    DeploymentSettings settings = props.settings();
    String bucket = props.sandbox().conversationData().getBucketName();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("RUNTIME", "remote");
    env.put("SANDBOX_REMOTE_RUNTIME_API_URL", OrchestratorService.url(ClusterStack.NAMESPACE));
    env.put("SANDBOX_START_TIMEOUT", "300");
    env.put("SANDBOX_USER_ID", "0");
    String image = settings.sandboxImage();
    int tag = image.lastIndexOf(':');
    env.put("AGENT_SERVER_IMAGE_REPOSITORY", tag > image.lastIndexOf('/') ? image.substring(0, tag) : image);
    env.put("AGENT_SERVER_IMAGE_TAG", tag > image.lastIndexOf('/') ? image.substring(tag + 1) : "latest");
    env.put("WORKSPACE_BASE", DATA_MOUNT + "/workspace");
    env.put("WORKSPACE_MOUNT_PATH", DATA_MOUNT + "/workspace");
    env.put("FILE_STORE", "s3");
    env.put("FILE_STORE_PATH", bucket);
    env.put("AWS_S3_BUCKET", bucket);
    env.put("AWS_REGION", settings.region());
    env.put("AWS_DEFAULT_REGION", settings.region());
    env.put("LLM_AWS_REGION_NAME", settings.region());
    env.put("DB_HOST", props.database().proxyEndpoint());
    env.put("DB_PORT", String.valueOf(DatabaseStack.PORT));
    env.put("DB_NAME", DatabaseStack.DATABASE_NAME);
    env.put("DB_USER", DatabaseStack.PROXY_USER);
    env.put("DB_SSL", "require");
    env.put("LOG_ALL_EVENTS", "true");
    env.put("AGENT_ENABLE_BROWSING", "false");
    env.put("AGENT_ENABLE_MCP", "true");
    env.put("USER_CONFIG_ENABLED", "true");
    env.put("USER_SECRETS_KMS_KEY_ID", props.userConfig().secretsKey().getKeyId());
    if (settings.appUserAuthClass() != null) {
      env.put("USER_AUTH_CLASS", settings.appUserAuthClass());
    }
    return env;
  }

  public SecurityGroup group() {
    return group;
  }

  public FargateService service() {
    return service;
  }

  public Role taskRole() {
    return taskRole;
  }
}
