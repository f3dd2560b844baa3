package dev.openhands.runtime.deploy;

import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.elasticloadbalancingv2.AddApplicationActionProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationListener;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationLoadBalancer;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationProtocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationTargetGroup;
import software.amazon.awscdk.services.elasticloadbalancingv2.BaseApplicationListenerProps;
import software.amazon.awscdk.services.elasticloadbalancingv2.DesyncMitigationMode;
import software.amazon.awscdk.services.elasticloadbalancingv2.FixedResponseOptions;
import software.amazon.awscdk.services.elasticloadbalancingv2.ListenerAction;
import software.amazon.awscdk.services.elasticloadbalancingv2.ListenerCertificate;
import software.amazon.awscdk.services.elasticloadbalancingv2.ListenerCondition;
import software.amazon.awscdk.services.elasticloadbalancingv2.TargetType;
import software.amazon.awscdk.services.elasticloadbalancingv2.SslPolicy;
import software.amazon.awscdk.services.certificatemanager.ICertificate;
import software.amazon.awscdk.services.route53.ARecord;
import software.amazon.awscdk.services.route53.IHostedZone;
import software.amazon.awscdk.services.route53.RecordTarget;
import software.amazon.awscdk.services.route53.targets.LoadBalancerTarget;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.elasticloadbalancingv2.targets.LambdaTarget;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.constructs.Construct;

/**
 * CloudFront's origin: an internet-facing load balancer whose only listener is HTTPS (a certificate for the origin
 * name, TLS 1.2 and 1.3 only) and answers 403 unless a request carries the origin secret, so no id token crosses the
 * internet unencrypted between CloudFront and the load balancer. Invalid header fields are dropped, desync
 * mitigation is strictest, access logs go to S3.
 */
public final class OriginLoadBalancer extends Construct {

  /** The header CloudFront adds and the rules require (the gateway checks it again). */
  public static final String ORIGIN_HEADER = "X-Origin-Verify";

  /** The listener's port: HTTPS only. */
  public static final int HTTPS_PORT = 443;

  /** Where it runs, how long an idle connection lives, and the certificate of the origin name CloudFront uses. */
  public record Props(IVpc vpc, ISecurityGroup securityGroup, Duration idleTimeout, ICertificate certificate) {}

  private final ApplicationLoadBalancer loadBalancer;
  private final ApplicationListener listener;

  public OriginLoadBalancer(Construct scope, String id, Props props) {
    super(scope, id);
    Bucket accessLogs = Bucket.Builder.create(this, "AccessLogs")
        .encryption(BucketEncryption.S3_MANAGED).enforceSsl(true)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL).removalPolicy(RemovalPolicy.RETAIN)
        .lifecycleRules(List.of(LifecycleRule.builder().expiration(Duration.days(90)).build())).build();
    Nag.suppress(accessLogs, "AwsSolutions-S1", "This bucket receives the load balancer's access logs; logging its"
        + " own reads would only log the log reader.");

    loadBalancer = ApplicationLoadBalancer.Builder.create(this, "Resource").vpc(props.vpc()).internetFacing(true)
        .securityGroup(props.securityGroup())
        .dropInvalidHeaderFields(true).desyncMitigationMode(DesyncMitigationMode.STRICTEST)
        .idleTimeout(props.idleTimeout())
        .deletionProtection(true)
        .build();
    loadBalancer.logAccessLogs(accessLogs, "gateway-alb");

    listener = loadBalancer.addListener("Https", BaseApplicationListenerProps.builder()
        .port(HTTPS_PORT).protocol(ApplicationProtocol.HTTPS).open(false)
        .certificates(List.of(ListenerCertificate.fromCertificateManager(props.certificate())))
        .sslPolicy(SslPolicy.RECOMMENDED_TLS)
        .defaultAction(ListenerAction.fixedResponse(403, FixedResponseOptions.builder()
            .contentType("text/plain").messageBody("Forbidden").build()))
        .build());
  }

  /**
   * Forwards to {@code gateway} what carries one of {@code acceptedSecrets}: runtime hosts under
   * {@code runtimeDomain} first, then the runtime path form, then everything else (the gateway's
   * {@code APP_UPSTREAM} path; later the app's own target group takes that rule).
   */
  public void forwardFromCloudFront(ApplicationTargetGroup gateway, List<String> acceptedSecrets,
      String runtimeDomain) {
    ListenerCondition fromCloudFront = ListenerCondition.httpHeader(ORIGIN_HEADER, acceptedSecrets);
    ListenerAction forward = ListenerAction.forward(List.of(gateway));
    listener.addAction("RuntimeHosts", AddApplicationActionProps.builder().priority(10)
        .conditions(List.of(ListenerCondition.hostHeaders(List.of("*." + runtimeDomain)), fromCloudFront))
        .action(forward).build());
    listener.addAction("RuntimePaths", AddApplicationActionProps.builder().priority(20)
        .conditions(List.of(ListenerCondition.pathPatterns(List.of("/runtime/*")), fromCloudFront))
        .action(forward).build());
    listener.addAction("App", AddApplicationActionProps.builder().priority(30)
        .conditions(List.of(fromCloudFront)).action(forward).build());
  }

  /**
   * Forwards the main host's {@code /api/v1/user-config/*} to {@code function}, ahead of every other rule. Only the
   * main host: the edge names the signed-in user there alone, so a runtime host (whose pages run a sandbox's code)
   * must never reach the function with a user id it set itself.
   */
  public void forwardUserConfig(IFunction function, List<String> acceptedSecrets, String mainHost) {
    ApplicationTargetGroup functionTargets = ApplicationTargetGroup.Builder.create(this, "UserConfigTargets")
        .targetType(TargetType.LAMBDA).targets(List.of(new LambdaTarget(function))).build();
    listener.addAction("UserConfig", AddApplicationActionProps.builder().priority(5)
        .conditions(List.of(ListenerCondition.hostHeaders(List.of(mainHost)),
            ListenerCondition.pathPatterns(List.of("/api/v1/user-config/*")),
            ListenerCondition.httpHeader(ORIGIN_HEADER, acceptedSecrets)))
        .action(ListenerAction.forward(List.of(functionTargets))).build());
  }

  /** An alias record {@code name} in {@code zone}: the name CloudFront uses for this origin. */
  public void nameIn(IHostedZone zone, String name) {
    ARecord.Builder.create(this, "Alias").zone(zone).recordName(name)
        .target(RecordTarget.fromAlias(new LoadBalancerTarget(loadBalancer))).build();
  }

  public ApplicationLoadBalancer loadBalancer() {
    return loadBalancer;
  }
}
