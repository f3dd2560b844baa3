package dev.openhands.runtime.deploy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.applicationautoscaling.EnableScalingProps;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ecr.assets.DockerImageAsset;
import software.amazon.awscdk.services.ecr.assets.Platform;
import software.amazon.awscdk.services.ecs.ContainerDefinition;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.CpuUtilizationScalingProps;
import software.amazon.awscdk.services.ecs.DeploymentCircuitBreaker;
import software.amazon.awscdk.services.ecs.FargateService;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.ICluster;
import software.amazon.awscdk.services.ecs.MountPoint;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.PropagatedTagSource;
import software.amazon.awscdk.services.ecs.RequestCountScalingProps;
import software.amazon.awscdk.services.ecs.ScalableTaskCount;
import software.amazon.awscdk.services.ecs.Secret;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.ecs.Ulimit;
import software.amazon.awscdk.services.ecs.UlimitName;
import software.amazon.awscdk.services.ecs.Volume;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationProtocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationTargetGroup;
import software.amazon.awscdk.services.elasticloadbalancingv2.HealthCheck;
import software.amazon.awscdk.services.elasticloadbalancingv2.TargetType;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.logs.ILogGroup;
import software.constructs.Construct;

/**
 * The gateway as an ARM64 Fargate service built from the repository's Dockerfile, and the target group the load
 * balancer checks it through ({@code /health}). The container runs as the image's non-root user on a read-only
 * root file system; the origin secret arrives from Secrets Manager, everything else as plain variables.
 */
public final class GatewayService extends Construct {

  public static final int GATEWAY_PORT = 8080;
  public static final int ADMIN_PORT = 9090;
  /** The image's non-root user (Dockerfile). */
  static final String IMAGE_USER = "10001";
  /** Requests a minute per task before the request-count policy adds tasks (CPU usually scales first). */
  static final int REQUESTS_PER_TARGET_PER_MINUTE = 30_000;
  /** The target group's slow start: how long a new task's share of requests ramps up. */
  static final int SLOW_START_SECONDS = 60;
  /**
   * How long ECS ignores a new task's failing health checks: the JVM's start plus the gateway warming its request
   * path (at most its WARMUP_LIMIT, 20 s by default and 45 s at most) before its listener opens.
   */
  static final int HEALTH_CHECK_GRACE_SECONDS = 60;

  /**
   * What the service is made of.
   *
   * @param environment the gateway's plain variables (its configuration table, minus the origin secret)
   * @param originSecretField the JSON field of the origin secret that becomes {@code ORIGIN_VERIFY_SECRET}
   * @param runtimeSessionSecret the secret that becomes {@code RUNTIME_SESSION_SECRET}
   * @param orchestratorKey the secret that becomes {@code ORCHESTRATOR_API_KEY} (the gateway's wake calls)
   */
  public record Props(
      String serviceName,
      int cpu,
      int memoryMiB,
      Path dockerContext,
      Map<String, String> environment,
      OriginVerifySecret originSecret,
      String originSecretField,
      ISecret runtimeSessionSecret,
      ISecret orchestratorKey,
      GatewayTimings timings,
      IVpc vpc,
      ICluster cluster,
      ISecurityGroup securityGroup,
      IRole taskRole,
      ILogGroup logs) {}

  private final FargateService service;
  private final ApplicationTargetGroup targets;

  public GatewayService(Construct scope, String id, Props props) {
    super(scope, id);
    FargateTaskDefinition task = FargateTaskDefinition.Builder.create(this, "Task")
        .cpu(props.cpu()).memoryLimitMiB(props.memoryMiB())
        .runtimePlatform(FargateTasks.arm64())
        .taskRole(props.taskRole())
        .volumes(List.of(Volume.builder().name("tmp").build()))
        .build();
    ContainerDefinition gateway = task.addContainer("gateway", ContainerDefinitionOptions.builder()
        .image(ContainerImage.fromDockerImageAsset(DockerImageAsset.Builder.create(this, "Image")
            .directory(props.dockerContext().toString()).platform(Platform.LINUX_ARM64).build()))
        .environment(props.environment())
        // Sorted, so that every synth writes the same template (Map.of's order changes from run to run).
        .secrets(new TreeMap<>(Map.of(
            "ORIGIN_VERIFY_SECRET", Secret.fromSecretsManager(props.originSecret().secret(), props.originSecretField()),
            "RUNTIME_SESSION_SECRET", Secret.fromSecretsManager(props.runtimeSessionSecret()),
            "ORCHESTRATOR_API_KEY", Secret.fromSecretsManager(props.orchestratorKey()))))
        .portMappings(List.of(
            PortMapping.builder().name("gateway").containerPort(GATEWAY_PORT).build(),
            PortMapping.builder().name("admin").containerPort(ADMIN_PORT).build()))
        .logging(FargateTasks.logsTo(props.logs(), "gateway"))
        .stopTimeout(GatewayTimings.cdk(props.timings().stopTimeout()))
        .readonlyRootFilesystem(true)
        .user(IMAGE_USER)
        .ulimits(List.of(Ulimit.builder().name(UlimitName.NOFILE).softLimit(65_536).hardLimit(65_536).build()))
        .build());
    // The JVM and Netty's native transport unpack into java.io.tmpdir; the rest of the file system is read-only.
    gateway.addMountPoints(MountPoint.builder().sourceVolume("tmp").containerPath("/tmp").readOnly(false).build());
    Nag.suppress(task, "AwsSolutions-ECS2", "Only non-secret settings are plain environment variables; the origin"
        + " and runtime-session secrets and the orchestrator key come from Secrets Manager.");
    FargateTasks.suppressExecutionRoleWildcard(task);

    service = FargateService.Builder.create(this, "Service").cluster(props.cluster()).taskDefinition(task)
        .serviceName(props.serviceName())
        // No desiredCount: autoscaling owns it, so a deploy never shrinks a scaled-out service back to the floor.
        .securityGroups(List.of(props.securityGroup())).vpcSubnets(NetworkStack.TASK_SUBNETS)
        .assignPublicIp(false)
        .circuitBreaker(DeploymentCircuitBreaker.builder().enable(true).rollback(true).build())
        .minHealthyPercent(100).maxHealthyPercent(200)
        .healthCheckGracePeriod(Duration.seconds(HEALTH_CHECK_GRACE_SECONDS))
        .propagateTags(PropagatedTagSource.SERVICE)
        .build();

    targets = ApplicationTargetGroup.Builder.create(this, "Targets").vpc(props.vpc())
        .port(GATEWAY_PORT).protocol(ApplicationProtocol.HTTP).targetType(TargetType.IP)
        .deregistrationDelay(GatewayTimings.cdk(props.timings().deregistrationDelay()))
        // A new task takes a growing share of requests for its first minute, while its JIT compiles the request
        // path, instead of a full share at once.
        .slowStart(Duration.seconds(SLOW_START_SECONDS))
        .healthCheck(HealthCheck.builder().path("/health").port(String.valueOf(GATEWAY_PORT))
            .interval(Duration.seconds(5)).timeout(Duration.seconds(4))
            .healthyThresholdCount(2).unhealthyThresholdCount(2).healthyHttpCodes("200").build())
        .build();
    service.attachToApplicationTargetGroup(targets);
  }

  /** Autoscaling between {@code min} and {@code max} tasks: CPU at 60 %, and requests per task. */
  public void scaleBetween(int min, int max) {
    ScalableTaskCount scaling = service.autoScaleTaskCount(EnableScalingProps.builder()
        .minCapacity(min).maxCapacity(max).build());
    scaling.scaleOnCpuUtilization("Cpu", CpuUtilizationScalingProps.builder().targetUtilizationPercent(60)
        .scaleOutCooldown(Duration.minutes(1)).scaleInCooldown(Duration.minutes(5)).build());
    scaling.scaleOnRequestCount("Requests", RequestCountScalingProps.builder()
        .requestsPerTarget(REQUESTS_PER_TARGET_PER_MINUTE).targetGroup(targets)
        .scaleOutCooldown(Duration.minutes(1)).scaleInCooldown(Duration.minutes(5)).build());
  }

  public FargateService service() {
    return service;
  }

  /** The target group the load balancer forwards to; its health check is the gateway's {@code /health}. */
  public ApplicationTargetGroup targets() {
    return targets;
  }
}
