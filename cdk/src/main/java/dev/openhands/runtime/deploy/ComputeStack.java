package dev.openhands.runtime.deploy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.applicationautoscaling.EnableScalingProps;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ecr.assets.DockerImageAsset;
import software.amazon.awscdk.services.ecr.assets.Platform;
import software.amazon.awscdk.services.ecs.AwsLogDriverMode;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.ContainerDefinition;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.CpuArchitecture;
import software.amazon.awscdk.services.ecs.CpuUtilizationScalingProps;
import software.amazon.awscdk.services.ecs.DeploymentCircuitBreaker;
import software.amazon.awscdk.services.ecs.FargateService;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.ICluster;
import software.amazon.awscdk.services.ecs.LogDrivers;
import software.amazon.awscdk.services.ecs.MountPoint;
import software.amazon.awscdk.services.ecs.OperatingSystemFamily;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.PropagatedTagSource;
import software.amazon.awscdk.services.ecs.RequestCountScalingProps;
import software.amazon.awscdk.services.ecs.RuntimePlatform;
import software.amazon.awscdk.services.ecs.ScalableTaskCount;
import software.amazon.awscdk.services.ecs.Secret;
import software.amazon.awscdk.services.ecs.Ulimit;
import software.amazon.awscdk.services.ecs.UlimitName;
import software.amazon.awscdk.services.ecs.Volume;
import software.amazon.awscdk.services.elasticloadbalancingv2.AddApplicationActionProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationListener;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationProtocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationTargetGroup;
import software.amazon.awscdk.services.elasticloadbalancingv2.BaseApplicationListenerProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.DesyncMitigationMode;
import software.amazon.awscdk.services.elasticloadbalancingv2.FixedResponseOptions;
import software.amazon.awscdk.services.elasticloadbalancingv2.HealthCheck;
import software.amazon.awscdk.services.elasticloadbalancingv2.ListenerAction;
import software.amazon.awscdk.services.elasticloadbalancingv2.ListenerCondition;
import software.amazon.awscdk.services.elasticloadbalancingv2.TargetType;
import software.amazon.awscdk.services.route53.ARecord;
import software.amazon.awscdk.services.route53.HostedZone;
import software.amazon.awscdk.services.route53.HostedZoneAttributes;
import software.amazon.awscdk.services.route53.RecordTarget;
import software.amazon.awscdk.services.route53.targets.LoadBalancerTarget;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.constructs.Construct;

/**
 * The gateway: its image (the repository's Dockerfile), an ARM64 Fargate service, and the internet-facing load
 * balancer in front of it whose default answer is 403; only requests carrying the origin secret reach the
 * gateway. {@code origin.{subDomain}.{domain}} names the load balancer for CloudFront.
 */
public final class ComputeStack extends Stack {

  public static final String ID = "OpenHands-Compute";
  public static final int GATEWAY_PORT = 8080;
  public static final int ADMIN_PORT = 9090;
  /** Requests a minute per task before the request-count policy adds tasks (CPU usually scales first). */
  static final int REQUESTS_PER_TARGET_PER_MINUTE = 30_000;

  /** What the gateway stack is built from: the other stacks' parts, plus the seams for the app. */
  public record Inputs(
      DeploymentSettings settings,
      GatewayTimings timings,
      Path dockerContext,
      IVpc vpc,
      ICluster cluster,
      SecurityStack security,
      MonitoringStack monitoring,
      String registryTableName,
      Optional<AuthOutputs> auth) {}

  private final ApplicationLoadBalancer loadBalancer;
  private final ApplicationTargetGroup targets;
  private final FargateService service;

  public ComputeStack(Construct scope, StackProps props, Inputs in) {
    super(scope, ID, props);
    DeploymentSettings settings = in.settings();
    getNode().addValidation(() -> in.timings().problems());

    FargateTaskDefinition task = FargateTaskDefinition.Builder.create(this, "GatewayTask")
        .cpu(settings.gatewayCpu()).memoryLimitMiB(settings.gatewayMemory())
        .runtimePlatform(RuntimePlatform.builder().cpuArchitecture(CpuArchitecture.ARM64)
            .operatingSystemFamily(OperatingSystemFamily.LINUX).build())
        .taskRole(in.security().gatewayTaskRole())
        .volumes(List.of(Volume.builder().name("tmp").build()))
        .build();
    ContainerDefinition gateway = task.addContainer("gateway", ContainerDefinitionOptions.builder()
        .image(ContainerImage.fromDockerImageAsset(DockerImageAsset.Builder.create(this, "GatewayImage")
            .directory(in.dockerContext().toString()).platform(Platform.LINUX_ARM64).build()))
        .environment(gatewayEnvironment(in))
        .secrets(Map.of("ORIGIN_VERIFY_SECRET", Secret.fromSecretsManager(in.security().originSecret().secret(),
            OriginVerifySecret.gatewayField(settings.originSecretRotating()))))
        .portMappings(List.of(
            PortMapping.builder().name("gateway").containerPort(GATEWAY_PORT).build(),
            PortMapping.builder().name("admin").containerPort(ADMIN_PORT).build()))
        .logging(LogDrivers.awsLogs(AwsLogDriverProps.builder().logGroup(in.monitoring().gatewayLogs())
            .streamPrefix("gateway").mode(AwsLogDriverMode.NON_BLOCKING).build()))
        .stopTimeout(GatewayTimings.cdk(in.timings().stopTimeout()))
        .readonlyRootFilesystem(true)
        .user("10001")
        .ulimits(List.of(Ulimit.builder().name(UlimitName.NOFILE).softLimit(65_536).hardLimit(65_536).build()))
        .build());
    // The JVM and Netty's native transport unpack into java.io.tmpdir; the rest of the file system is read-only.
    gateway.addMountPoints(MountPoint.builder().sourceVolume("tmp").containerPath("/tmp").readOnly(false).build());
    Nag.suppress(task, "AwsSolutions-ECS2", "Only non-secret settings are plain environment variables; the origin"
        + " secret comes from Secrets Manager.");
    Nag.suppress(task, "AwsSolutions-IAM5", "The execution role's ECR token and log-stream rights are the ones ECS"
        + " documents; CDK scopes the rest to this image repository and log group.",
        List.of("Resource::*"));

    Bucket accessLogs = Bucket.Builder.create(this, "LoadBalancerAccessLogs")
        .encryption(BucketEncryption.S3_MANAGED).enforceSsl(true).versioned(false)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL).removalPolicy(RemovalPolicy.RETAIN)
        .lifecycleRules(List.of(LifecycleRule.builder().expiration(Duration.days(90)).build())).build();
    Nag.suppress(accessLogs, "AwsSolutions-S1", "This bucket receives the load balancer's access logs; logging its"
        + " own reads would only log the log reader.");

    loadBalancer = ApplicationLoadBalancer.Builder.create(this, "LoadBalancer").vpc(in.vpc()).internetFacing(true)
        .securityGroup(in.security().loadBalancerGroup())
        .dropInvalidHeaderFields(true).desyncMitigationMode(DesyncMitigationMode.STRICTEST)
        .idleTimeout(GatewayTimings.cdk(in.timings().loadBalancerIdleTimeout()))
        .deletionProtection(true)
        .build();
    loadBalancer.logAccessLogs(accessLogs, "gateway-alb");

    targets = ApplicationTargetGroup.Builder.create(this, "GatewayTargets").vpc(in.vpc())
        .port(GATEWAY_PORT).protocol(ApplicationProtocol.HTTP).targetType(TargetType.IP)
        .deregistrationDelay(GatewayTimings.cdk(in.timings().deregistrationDelay()))
        .healthCheck(HealthCheck.builder().path("/health").port(String.valueOf(GATEWAY_PORT))
            .interval(Duration.seconds(5)).timeout(Duration.seconds(4))
            .healthyThresholdCount(2).unhealthyThresholdCount(2).healthyHttpCodes("200").build())
        .build();

    ApplicationListener listener = loadBalancer.addListener("Http", BaseApplicationListenerProps.builder()
        .port(80).protocol(ApplicationProtocol.HTTP).open(false)
        .defaultAction(ListenerAction.fixedResponse(403, FixedResponseOptions.builder()
            .contentType("text/plain").messageBody("Forbidden").build()))
        .build());
    addOriginRules(listener, settings, in.security().originSecret().acceptedHeaderValues(
        settings.originSecretRotating()));

    service = FargateService.Builder.create(this, "Gateway").cluster(in.cluster()).taskDefinition(task)
        .serviceName(settings.siteName() + "-gateway")
        // No desiredCount: autoscaling owns it, so a deploy never shrinks a scaled-out service back to the floor.
        .securityGroups(List.of(in.security().gatewayGroup())).vpcSubnets(NetworkStack.TASK_SUBNETS)
        .assignPublicIp(false)
        .circuitBreaker(DeploymentCircuitBreaker.builder().enable(true).rollback(true).build())
        .minHealthyPercent(100).maxHealthyPercent(200)
        .healthCheckGracePeriod(Duration.seconds(30))
        .propagateTags(PropagatedTagSource.SERVICE)
        .build();
    service.attachToApplicationTargetGroup(targets);

    ScalableTaskCount scaling = service.autoScaleTaskCount(EnableScalingProps.builder()
        .minCapacity(settings.gatewayMinTasks()).maxCapacity(settings.gatewayMaxTasks()).build());
    scaling.scaleOnCpuUtilization("Cpu", CpuUtilizationScalingProps.builder().targetUtilizationPercent(60)
        .scaleOutCooldown(Duration.minutes(1)).scaleInCooldown(Duration.minutes(5)).build());
    scaling.scaleOnRequestCount("Requests", RequestCountScalingProps.builder()
        .requestsPerTarget(REQUESTS_PER_TARGET_PER_MINUTE).targetGroup(targets)
        .scaleOutCooldown(Duration.minutes(1)).scaleInCooldown(Duration.minutes(5)).build());

    ARecord.Builder.create(this, "OriginRecord")
        .zone(HostedZone.fromHostedZoneAttributes(this, "Zone", HostedZoneAttributes.builder()
            .hostedZoneId(settings.hostedZoneId()).zoneName(settings.domainName()).build()))
        .recordName(settings.originHost())
        .target(RecordTarget.fromAlias(new LoadBalancerTarget(loadBalancer)))
        .build();

    new GatewayAlarms(this, "Alarms", new GatewayAlarms.Watched(loadBalancer, targets, service,
        in.monitoring().alerts(), settings.siteName()));
  }

  /**
   * Requests reach the gateway only with a valid {@code X-Origin-Verify}: runtime hosts, the runtime path form,
   * then everything else (the gateway's {@code APP_UPSTREAM} path; later the app's own target group).
   */
  private void addOriginRules(ApplicationListener listener, DeploymentSettings settings,
      List<String> acceptedSecrets) {
    ListenerCondition fromCloudFront = ListenerCondition.httpHeader("X-Origin-Verify", acceptedSecrets);
    listener.addAction("RuntimeHosts", AddApplicationActionProps.builder().priority(10)
        .conditions(List.of(ListenerCondition.hostHeaders(List.of("*." + settings.runtimeDomain())), fromCloudFront))
        .action(ListenerAction.forward(List.of(targets))).build());
    listener.addAction("RuntimePaths", AddApplicationActionProps.builder().priority(20)
        .conditions(List.of(ListenerCondition.pathPatterns(List.of("/runtime/*")), fromCloudFront))
        .action(ListenerAction.forward(List.of(targets))).build());
    listener.addAction("App", AddApplicationActionProps.builder().priority(30)
        .conditions(List.of(fromCloudFront))
        .action(ListenerAction.forward(List.of(targets))).build());
  }

  /** The gateway's configuration table, as environment variables (the origin secret comes separately). */
  private static Map<String, String> gatewayEnvironment(Inputs in) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("GATEWAY_PORT", String.valueOf(GATEWAY_PORT));
    env.put("ADMIN_PORT", String.valueOf(ADMIN_PORT));
    env.put("SANDBOX_TABLE", in.registryTableName());
    env.put("AWS_REGION", in.settings().region());
    env.put("ORIGIN_VERIFY", "required");
    env.put("RUNTIME_AUTH", in.settings().runtimeAuth());
    env.putAll(in.timings().gatewayEnvironment());
    if (in.settings().appUpstream() != null) {
      env.put("APP_UPSTREAM", in.settings().appUpstream());
    }
    in.auth().ifPresent(auth -> {
      env.put("COGNITO_ISSUER", auth.issuer());
      env.put("COGNITO_CLIENT_ID", auth.clientId());
    });
    return env;
  }

  public ApplicationLoadBalancer loadBalancer() {
    return loadBalancer;
  }

  public ApplicationTargetGroup targets() {
    return targets;
  }

  public FargateService service() {
    return service;
  }
}
