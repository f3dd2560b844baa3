package dev.openhands.runtime.deploy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ecs.ICluster;
import software.amazon.awscdk.services.certificatemanager.Certificate;
import software.amazon.awscdk.services.certificatemanager.CertificateValidation;
import software.amazon.awscdk.services.route53.HostedZone;
import software.amazon.awscdk.services.route53.IHostedZone;
import software.amazon.awscdk.services.route53.HostedZoneAttributes;
import software.amazon.awscdk.services.servicediscovery.INamespace;
import software.constructs.Construct;

/**
 * The OpenHands app ({@link AppService}) and the gateway ({@link GatewayService}) in front of it, behind
 * CloudFront's origin ({@link OriginLoadBalancer}), named {@code origin.{subDomain}.{domain}} for CloudFront, with
 * the gateway's alarms and dashboard ({@link GatewayAlarms}). Every request the load balancer accepts goes to the
 * gateway, which sends what is not a runtime address to the app ({@code APP_UPSTREAM}). The drain and idle limits
 * of {@link GatewayTimings} are checked at synth.
 */
public final class ComputeStack extends Stack {

  public static final String ID = "OpenHands-Compute";

  /** What the gateway stack is built from: the other stacks' parts, plus the seams for the app. */
  public record Inputs(
      DeploymentSettings settings,
      GatewayTimings timings,
      Path dockerContext,
      IVpc vpc,
      ICluster cluster,
      INamespace namespace,
      SecurityStack security,
      MonitoringStack monitoring,
      DatabaseStack database,
      SandboxStack sandbox,
      UserConfigStack userConfig,
      Optional<AuthOutputs> auth) {}

  private final AppService app;
  private final GatewayService gateway;
  private final OriginLoadBalancer origin;

  public ComputeStack(Construct scope, StackProps props, Inputs in) {
    super(scope, ID, props);
    DeploymentSettings settings = in.settings();
    getNode().addValidation(() -> in.timings().problems());
    boolean rotating = settings.originSecretRotating();

    app = new AppService(this, "App", new AppService.Props(settings, in.vpc(), in.cluster(), in.namespace(),
        in.security().key(), in.security(), in.sandbox(), in.database(), in.userConfig()));

    gateway = new GatewayService(this, "Gateway", new GatewayService.Props(
        settings.siteName() + "-gateway", settings.gatewayCpu(), settings.gatewayMemory(), in.dockerContext(),
        gatewayEnvironment(in), in.security().originSecret(), OriginVerifySecret.gatewayField(rotating),
        in.security().runtimeSessionSecret(), in.sandbox().gatewayKey(), in.timings(), in.vpc(), in.cluster(), in.security().gatewayGroup(), in.security().gatewayTaskRole(),
        in.monitoring().gatewayLogs()));

    IHostedZone zone = HostedZone.fromHostedZoneAttributes(this, "Zone", HostedZoneAttributes.builder()
        .hostedZoneId(settings.hostedZoneId()).zoneName(settings.domainName()).build());
    // CloudFront reaches the load balancer over HTTPS only, by this name (validated in the zone).
    Certificate certificate = Certificate.Builder.create(this, "OriginCertificate")
        .domainName(settings.originHost()).validation(CertificateValidation.fromDns(zone)).build();
    origin = new OriginLoadBalancer(this, "LoadBalancer", new OriginLoadBalancer.Props(in.vpc(),
        in.security().loadBalancerGroup(), GatewayTimings.cdk(in.timings().loadBalancerIdleTimeout()), certificate));
    List<String> accepted = in.security().originSecret().acceptedHeaderValues(rotating);
    origin.forwardFromCloudFront(gateway.targets(), accepted, settings.runtimeDomain());
    origin.forwardUserConfig(in.userConfig().target(), accepted, settings.mainHost());
    // Request-count scaling needs the target group behind the load balancer, so it comes after the rules.
    gateway.scaleBetween(settings.gatewayMinTasks(), settings.gatewayMaxTasks());
    origin.nameIn(zone, settings.originHost());

    new GatewayAlarms(this, "Alarms", new GatewayAlarms.Watched(origin.loadBalancer(), gateway.targets(),
        gateway.service(), in.monitoring().alerts(), settings.siteName()));
  }

  /** The gateway's configuration table, as environment variables (the origin secret comes separately). */
  private static Map<String, String> gatewayEnvironment(Inputs in) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("GATEWAY_PORT", String.valueOf(GatewayService.GATEWAY_PORT));
    env.put("ADMIN_PORT", String.valueOf(GatewayService.ADMIN_PORT));
    env.put("SANDBOX_TABLE", in.sandbox().registry().tableName());
    env.put("AWS_REGION", in.settings().region());
    env.put("ORIGIN_VERIFY", "required");
    env.put("RUNTIME_AUTH", in.settings().runtimeAuth());
    // Runtime hosts sign in through the main host (the edge function's /_login, then the gateway's handshake).
    env.put("SIGN_IN_URL", "https://" + in.settings().mainHost() + "/_login");
    // A sleeping sandbox wakes on traffic (row 20): the gateway calls the orchestrator's /resume.
    env.put("ORCHESTRATOR_URL", OrchestratorService.url(ClusterStack.NAMESPACE));
    env.putAll(in.timings().gatewayEnvironment());
    env.put("APP_UPSTREAM", in.settings().appUpstream());
    in.auth().ifPresent(auth -> {
      env.put("COGNITO_ISSUER", auth.issuer());
      env.put("COGNITO_CLIENT_ID", auth.clientId());
    });
    return env;
  }

  public AppService app() {
    return app;
  }

  public GatewayService gateway() {
    return gateway;
  }

  public OriginLoadBalancer origin() {
    return origin;
  }
}
