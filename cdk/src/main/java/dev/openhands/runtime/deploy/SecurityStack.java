package dev.openhands.runtime.deploy;

import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.PrefixList;
import software.amazon.awscdk.services.ec2.PrefixListLookupOptions;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroupImportOptions;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.constructs.Construct;

/**
 * Who may talk to whom: the load balancer accepts only CloudFront's origin-facing addresses, the gateway only
 * the load balancer, and the gateway reaches only sandbox tasks, the app and AWS APIs (HTTPS). Also the KMS key
 * for the registry, logs and alerts, the origin secret, and the gateway's task role (its DynamoDB rights are
 * granted by the Sandbox stack, on the one table).
 */
public final class SecurityStack extends Stack {

  public static final String ID = "OpenHands-Security";
  /** AWS's managed prefix list of CloudFront's origin-facing addresses. */
  public static final String CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing";

  private final Key key;
  private final SecurityGroup loadBalancerGroup;
  private final SecurityGroup gatewayGroup;
  private final ISecurityGroup sandboxGroup;
  private final OriginVerifySecret originSecret;
  private final Secret runtimeSessionSecret;
  private final Role gatewayTaskRole;

  public SecurityStack(Construct scope, StackProps props, DeploymentSettings settings, IVpc vpc) {
    super(scope, ID, props);
    key = Key.Builder.create(this, "Key").alias("alias/" + settings.siteName() + "-gateway")
        .description("Encrypts the sandbox registry, the gateway's logs and the alert topic")
        .enableKeyRotation(true).pendingWindow(Duration.days(30)).removalPolicy(RemovalPolicy.RETAIN).build();
    key.grantEncryptDecrypt(new ServicePrincipal("logs." + settings.region() + ".amazonaws.com"));
    key.grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");

    loadBalancerGroup = SecurityGroup.Builder.create(this, "LoadBalancer").vpc(vpc).allowAllOutbound(false)
        .description("Load balancer: HTTPS from the CloudFront origin-facing addresses only").build();
    loadBalancerGroup.addIngressRule(Peer.prefixList(PrefixList.fromLookup(this, "CloudFrontOriginFacing",
        PrefixListLookupOptions.builder().prefixListName(CLOUDFRONT_ORIGIN_FACING).build()).getPrefixListId()),
        Port.tcp(OriginLoadBalancer.HTTPS_PORT), "HTTPS from CloudFront");

    gatewayGroup = SecurityGroup.Builder.create(this, "Gateway").vpc(vpc).allowAllOutbound(false)
        .description("Gateway tasks: from the load balancer; to sandboxes, the app and AWS APIs").build();
    gatewayGroup.addIngressRule(loadBalancerGroup, Port.tcp(GatewayService.GATEWAY_PORT), "from the load balancer");
    loadBalancerGroup.addEgressRule(gatewayGroup, Port.tcp(GatewayService.GATEWAY_PORT), "to the gateway");
    gatewayGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), "AWS APIs and the Cognito JWKS over HTTPS");
    // The gateway's edge to the app is made with the app's own group, in the Compute stack (AppService).

    if (settings.sandboxSecurityGroupId() != null) {
      sandboxGroup = SecurityGroup.fromSecurityGroupId(this, "Sandbox", settings.sandboxSecurityGroupId(),
          SecurityGroupImportOptions.builder().mutable(true).build());
    } else {
      sandboxGroup = SecurityGroup.Builder.create(this, "Sandbox").vpc(vpc).allowAllOutbound(true)
          .description("Sandbox tasks: any port from the gateway (apps the agent starts)").build();
    }
    gatewayGroup.addEgressRule(sandboxGroup, Port.tcpRange(1, 65535), "apps in sandbox tasks");
    sandboxGroup.addIngressRule(gatewayGroup, Port.tcpRange(1, 65535), "from the runtime gateway");

    originSecret = new OriginVerifySecret(this, "OriginVerifySecret", settings.siteName() + "/origin-verify",
        settings.region().equals(DeploymentSettings.EDGE_REGION) ? null : DeploymentSettings.EDGE_REGION);

    // Signs the runtime hosts' own sessions (the gateway's handshake with the main host); the gateway accepts two
    // comma-separated values, so a rotation puts "new,old" in place for a session's lifetime, then "new".
    runtimeSessionSecret = GeneratedSecret.create(this, "RuntimeSessionSecret",
        settings.siteName() + "/runtime-session",
        "RUNTIME_SESSION_SECRET: signs runtime hosts' sessions and sign-in proofs (gateway only)",
        "Rotation is an operator step: the gateway accepts two values (new,old) while sessions signed with the old"
            + " one expire (12 h), then the new one alone.");

    gatewayTaskRole = Role.Builder.create(this, "GatewayTaskRole")
        .assumedBy(new ServicePrincipal("ecs-tasks.amazonaws.com"))
        .description("The gateway's task role: registry reads of its attributes, activity and shares writes"
            + " (granted by the Sandbox stack)")
        .build();
  }

  public Key key() {
    return key;
  }

  public SecurityGroup loadBalancerGroup() {
    return loadBalancerGroup;
  }

  public SecurityGroup gatewayGroup() {
    return gatewayGroup;
  }

  /** The seam for the Sandbox stack: the group its tasks must join so the gateway can reach them. */
  public ISecurityGroup sandboxGroup() {
    return sandboxGroup;
  }

  public OriginVerifySecret originSecret() {
    return originSecret;
  }

  /** {@code RUNTIME_SESSION_SECRET}, for the gateway only. */
  public Secret runtimeSessionSecret() {
    return runtimeSessionSecret;
  }

  public Role gatewayTaskRole() {
    return gatewayTaskRole;
  }
}
