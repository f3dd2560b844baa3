package dev.openhands.runtime.deploy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.certificatemanager.Certificate;
import software.amazon.awscdk.services.certificatemanager.CertificateValidation;
import software.amazon.awscdk.services.cloudfront.AllowedMethods;
import software.amazon.awscdk.services.cloudfront.BehaviorOptions;
import software.amazon.awscdk.services.cloudfront.CachePolicy;
import software.amazon.awscdk.services.cloudfront.Distribution;
import software.amazon.awscdk.services.cloudfront.EdgeLambda;
import software.amazon.awscdk.services.cloudfront.HttpVersion;
import software.amazon.awscdk.services.cloudfront.LambdaEdgeEventType;
import software.amazon.awscdk.services.cloudfront.OriginProtocolPolicy;
import software.amazon.awscdk.services.cloudfront.OriginSslPolicy;
import software.amazon.awscdk.services.cloudfront.OriginRequestPolicy;
import software.amazon.awscdk.services.cloudfront.SecurityPolicyProtocol;
import software.amazon.awscdk.services.cloudfront.ViewerProtocolPolicy;
import software.amazon.awscdk.services.cloudfront.experimental.EdgeFunction;
import software.amazon.awscdk.services.cloudfront.origins.HttpOrigin;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.route53.ARecord;
import software.amazon.awscdk.services.route53.AaaaRecord;
import software.amazon.awscdk.services.route53.HostedZone;
import software.amazon.awscdk.services.route53.HostedZoneAttributes;
import software.amazon.awscdk.services.route53.IHostedZone;
import software.amazon.awscdk.services.route53.RecordTarget;
import software.amazon.awscdk.services.route53.targets.CloudFrontTarget;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.wafv2.CfnWebACL;
import software.constructs.Construct;

/**
 * The viewer's side (us-east-1): the certificate for the main host and every runtime host, the WAF, the
 * sign-in function, and the CloudFront distribution that forwards everything uncached to the load balancer with
 * the origin secret. No origin-response function: the gateway adds the security headers itself.
 */
public final class EdgeStack extends Stack {

  public static final String ID_PREFIX = "OpenHands-Edge";

  private final Distribution distribution;
  private final CfnWebACL webAcl;

  /** What the edge is built from: the sign-in bundle already carries the Auth stack's outputs. */
  public record Inputs(DeploymentSettings settings, Path edgeBundle, String originSecretName) {}

  public EdgeStack(Construct scope, StackProps props, Inputs in) {
    super(scope, ID_PREFIX + in.settings().edgeStackSuffix(), props);
    DeploymentSettings settings = in.settings();
    IHostedZone zone = HostedZone.fromHostedZoneAttributes(this, "Zone", HostedZoneAttributes.builder()
        .hostedZoneId(settings.hostedZoneId()).zoneName(settings.domainName()).build());
    List<String> names = List.of(settings.mainHost(), "*." + settings.runtimeDomain());

    Certificate certificate = Certificate.Builder.create(this, "Certificate")
        .domainName(names.get(0)).subjectAlternativeNames(names.subList(1, names.size()))
        .validation(CertificateValidation.fromDns(zone)).build();

    EdgeFunction signIn = EdgeFunction.Builder.create(this, "SignIn")
        .runtime(Runtime.NODEJS_22_X).handler("index.handler").code(Code.fromAsset(in.edgeBundle().toString()))
        .memorySize(128).timeout(Duration.seconds(5))
        .description("Cognito sign-in and id-token check for " + settings.mainHost())
        .build();
    Nag.suppress(signIn, "AwsSolutions-IAM4", "Lambda@Edge writes its logs in every region it runs in; the AWS"
        + " basic execution policy is the documented way to allow that.",
        List.of("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
    Nag.suppress(signIn, "AwsSolutions-L1", "Node.js 22 is the newest runtime Lambda@Edge is documented to run"
        + " for viewer-request functions here, and the one the function is tested on.");

    webAcl = webAcl(settings);

    Bucket logs = Bucket.Builder.create(this, "AccessLogs")
        .encryption(BucketEncryption.S3_MANAGED).enforceSsl(true)
        .objectOwnership(ObjectOwnership.OBJECT_WRITER)
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL).removalPolicy(RemovalPolicy.RETAIN)
        .lifecycleRules(List.of(LifecycleRule.builder().expiration(Duration.days(90)).build())).build();
    Nag.suppress(logs, "AwsSolutions-S1", "This bucket receives CloudFront's access logs; logging its own reads"
        + " would only log the log reader.");

    distribution = Distribution.Builder.create(this, "Distribution")
        .comment("OpenHands " + settings.mainHost() + ": app and runtime hosts")
        .domainNames(names).certificate(certificate)
        .minimumProtocolVersion(SecurityPolicyProtocol.TLS_V1_2_2021)
        .httpVersion(HttpVersion.HTTP2_AND_3)
        .webAclId(webAcl.getAttrArn())
        .enableLogging(true).logBucket(logs).logFilePrefix("cloudfront/")
        .defaultBehavior(BehaviorOptions.builder()
            .origin(HttpOrigin.Builder.create(settings.originHost())
                // TLS to the origin as well: the load balancer's certificate names originHost.
                .protocolPolicy(OriginProtocolPolicy.HTTPS_ONLY).httpsPort(OriginLoadBalancer.HTTPS_PORT)
                .originSslProtocols(List.of(OriginSslPolicy.TLS_V1_2))
                .customHeaders(Map.of("X-Origin-Verify", OriginVerifySecret.headerValue(in.originSecretName(),
                    settings.originSecretRotating())))
                .readTimeout(Duration.seconds(60)).keepaliveTimeout(Duration.seconds(60))
                .build())
            .viewerProtocolPolicy(ViewerProtocolPolicy.REDIRECT_TO_HTTPS)
            .allowedMethods(AllowedMethods.ALLOW_ALL)
            .cachePolicy(CachePolicy.CACHING_DISABLED)
            .originRequestPolicy(OriginRequestPolicy.ALL_VIEWER)
            .compress(false)
            .edgeLambdas(List.of(EdgeLambda.builder().eventType(LambdaEdgeEventType.VIEWER_REQUEST)
                .functionVersion(signIn.getCurrentVersion()).build()))
            .build())
        .build();
    Nag.suppress(distribution, "AwsSolutions-CFR1", "Who may sign in is decided by Cognito (admin-created users),"
        + " not by country.");
    Nag.suppress(distribution, "AwsSolutions-CFR5", "The origin is reached over HTTP, so no old TLS version is"
        + " offered; the load balancer admits only CloudFront addresses carrying the origin secret.");

    RecordTarget toDistribution = RecordTarget.fromAlias(new CloudFrontTarget(distribution));
    for (int i = 0; i < names.size(); i++) {
      ARecord.Builder.create(this, "A" + i).zone(zone).recordName(names.get(i)).target(toDistribution).build();
      AaaaRecord.Builder.create(this, "Aaaa" + i).zone(zone).recordName(names.get(i)).target(toDistribution)
          .build();
    }
  }

  /**
   * AWS's common rule set (its body-size rule only counted: uploads to sandboxes are legitimately large), known
   * bad inputs, and a per-IP rate limit.
   */
  private CfnWebACL webAcl(DeploymentSettings settings) {
    return CfnWebACL.Builder.create(this, "WebAcl")
        .scope("CLOUDFRONT")
        .defaultAction(CfnWebACL.DefaultActionProperty.builder()
            .allow(CfnWebACL.AllowActionProperty.builder().build()).build())
        .visibilityConfig(visibility(settings.siteName() + "-edge"))
        .rules(List.of(
            managedRule(0, "AWSManagedRulesCommonRuleSet", List.of(CfnWebACL.RuleActionOverrideProperty.builder()
                .name("SizeRestrictions_BODY")
                .actionToUse(CfnWebACL.RuleActionProperty.builder()
                    .count(CfnWebACL.CountActionProperty.builder().build()).build())
                .build())),
            managedRule(1, "AWSManagedRulesKnownBadInputsRuleSet", List.of()),
            CfnWebACL.RuleProperty.builder().name("RateLimit").priority(2)
                .action(CfnWebACL.RuleActionProperty.builder()
                    .block(CfnWebACL.BlockActionProperty.builder().build()).build())
                .statement(CfnWebACL.StatementProperty.builder()
                    .rateBasedStatement(CfnWebACL.RateBasedStatementProperty.builder()
                        .limit(settings.wafRateLimit()).aggregateKeyType("IP").build())
                    .build())
                .visibilityConfig(visibility("RateLimit")).build()))
        .build();
  }

  private static CfnWebACL.RuleProperty managedRule(int priority, String name,
      List<CfnWebACL.RuleActionOverrideProperty> overrides) {
    CfnWebACL.ManagedRuleGroupStatementProperty.Builder group = CfnWebACL.ManagedRuleGroupStatementProperty
        .builder().vendorName("AWS").name(name);
    if (!overrides.isEmpty()) {
      group.ruleActionOverrides(overrides);
    }
    return CfnWebACL.RuleProperty.builder().name(name).priority(priority)
        .overrideAction(CfnWebACL.OverrideActionProperty.builder()
            .none(Map.of()).build())
        .statement(CfnWebACL.StatementProperty.builder().managedRuleGroupStatement(group.build()).build())
        .visibilityConfig(visibility(name)).build();
  }

  private static CfnWebACL.VisibilityConfigProperty visibility(String metric) {
    return CfnWebACL.VisibilityConfigProperty.builder().metricName(metric)
        .cloudWatchMetricsEnabled(true).sampledRequestsEnabled(true).build();
  }

  public Distribution distribution() {
    return distribution;
  }

  public CfnWebACL webAcl() {
    return webAcl;
  }
}
