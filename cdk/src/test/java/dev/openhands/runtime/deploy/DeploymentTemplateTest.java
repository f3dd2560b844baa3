package dev.openhands.runtime.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;

/** Synthesizes the example deployment once (offline) and checks, stack by stack, the properties that matter. */
class DeploymentTemplateTest {

  private static DeployApp.Stacks stacks;
  private static CloudAssembly assembly;
  private static Template auth;
  private static Template network;
  private static Template security;
  private static Template monitoring;
  private static Template sandbox;
  private static Template cluster;
  private static Template compute;
  private static Template edge;

  @TempDir
  static Path outdir;

  /** Warnings of the schema validator that do not apply here, each with the reason. */
  private static final Map<String, String> NOT_APPLICABLE = Map.of("W9008", "StorageEncrypted on an RDS instance:"
      + " not applicable to Aurora's instances, which the cluster encrypts (asserted in DatabaseStackTest)");

  @BeforeAll
  static void synthesize() {
    App app = ExampleDeployment.app(ExampleDeployment.context(), outdir);
    long start = System.nanoTime();
    stacks = ExampleDeployment.build(app);
    assembly = app.synth();
    auth = Template.fromStack(stacks.auth());
    network = Template.fromStack(stacks.network());
    security = Template.fromStack(stacks.security());
    monitoring = Template.fromStack(stacks.monitoring());
    sandbox = Template.fromStack(stacks.sandbox());
    cluster = Template.fromStack(stacks.cluster());
    compute = Template.fromStack(stacks.compute());
    edge = Template.fromStack(stacks.edge().orElseThrow());
    System.out.printf("synth of the whole app: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  @Test
  void app_synthesizesEveryStackOfflineInItsRegion() {
    assertEquals(null, assembly.getManifest().getMissing(), "context look-ups left unanswered");
    Map<String, String> regions = new TreeMap<>();
    for (Stack stack : allStacks()) {
      regions.put(stack.getStackName(), stack.getRegion());
      Map<String, Map<String, Object>> resources = Template.fromStack(stack).toJSON().containsKey("Resources")
          ? castResources(Template.fromStack(stack).toJSON().get("Resources")) : Map.of();
      System.out.printf("%-22s %-10s %3d resources%n", stack.getStackName(), stack.getRegion(), resources.size());
    }
    assertEquals(Map.of(
        "OpenHands-Auth", "us-east-1", "OpenHands-Network", "eu-west-1", "OpenHands-Security", "eu-west-1",
        "OpenHands-Monitoring", "eu-west-1", "OpenHands-Database", "eu-west-1", "OpenHands-Sandbox", "eu-west-1",
        "OpenHands-UserConfig", "eu-west-1", "OpenHands-Cluster", "eu-west-1",
        "OpenHands-Compute", "eu-west-1", "OpenHands-Edge", "us-east-1"), regions);
  }

  @Test
  void app_passesCloudFormationsSchemaValidationAtSynth() throws IOException {
    JsonNode report = new ObjectMapper().readTree(outdir.resolve("validation-report.json").toFile());
    List<String> violations = new ArrayList<>();
    report.path("pluginReports").forEach(plugin -> plugin.path("violations").forEach(v -> {
      if (!NOT_APPLICABLE.containsKey(v.path("ruleName").asText())) {
        violations.add(v.path("ruleName").asText() + " " + v.path("description").asText());
      }
    }));
    assertEquals(List.of(), violations);
  }

  @Test
  void auth_adminCreatedUsersSignInWithEmailAndAStrongPassword() {
    auth.hasResourceProperties("AWS::Cognito::UserPool", Map.of(
        "AdminCreateUserConfig", Map.of("AllowAdminCreateUserOnly", true),
        "UsernameAttributes", List.of("email"),
        "MfaConfiguration", "OPTIONAL",
        "EnabledMfas", List.of("SOFTWARE_TOKEN_MFA"),
        "Policies", Map.of("PasswordPolicy", Match.objectLike(Map.of("MinimumLength", 12, "RequireSymbols", true)))));
    auth.hasResourceProperties("AWS::Cognito::UserPoolDomain", Map.of("Domain", "openhands-acme"));
  }

  @Test
  void auth_publicClientWithCodeFlowAndCallbacksForEveryHost() {
    auth.hasResourceProperties("AWS::Cognito::UserPoolClient", Match.objectLike(Map.of(
        "GenerateSecret", false,
        "AllowedOAuthFlows", List.of("code"),
        "CallbackURLs", List.of("https://openhands.example.com/_callback",
            "https://openhands-staging.example.com/_callback"),
        "LogoutURLs", List.of("https://openhands.example.com/", "https://openhands-staging.example.com/"),
        "AccessTokenValidity", 60, "IdTokenValidity", 1440, "RefreshTokenValidity", 43200,
        "TokenValidityUnits", Map.of("AccessToken", "minutes", "IdToken", "minutes", "RefreshToken", "minutes"))));
  }

  @Test
  void network_endpointsForDynamoDbS3EcrLogsAndSecrets() {
    network.resourceCountIs("AWS::EC2::VPCEndpoint", 6);
    Map<String, Map<String, Object>> gatewayEndpoints = castResources(network.findResources("AWS::EC2::VPCEndpoint",
        Map.of("Properties", Map.of("VpcEndpointType", "Gateway"))));
    String gatewayServices = gatewayEndpoints.toString();
    assertEquals(2, gatewayEndpoints.size(), gatewayServices);
    assertTrue(gatewayServices.contains(".dynamodb") && gatewayServices.contains(".s3"), gatewayServices);
    for (String service : List.of("ecr.api", "ecr.dkr", "logs", "secretsmanager")) {
      network.hasResourceProperties("AWS::EC2::VPCEndpoint", Map.of("VpcEndpointType", "Interface",
          "ServiceName", "com.amazonaws.eu-west-1." + service, "PrivateDnsEnabled", true));
    }
  }

  @Test
  void security_loadBalancerOnlyFromCloudFrontAndGatewayOnlyFromTheLoadBalancer() {
    security.hasResourceProperties("AWS::EC2::SecurityGroupIngress", Map.of(
        "SourcePrefixListId", "pl-4fa04526", "FromPort", 443, "ToPort", 443, "IpProtocol", "tcp",
        "GroupId", Map.of("Fn::GetAtt", List.of(logicalId(security, "Load balancer"), "GroupId")),
        "Description", Match.anyValue()));
    assertEquals(1, castResources(security.findResources("AWS::EC2::SecurityGroupIngress", Map.of("Properties",
        Map.of("GroupId", Map.of("Fn::GetAtt", List.of(logicalId(security, "Load balancer"), "GroupId")))))).size(),
        "the load balancer's only ingress rule is CloudFront's prefix list");
    security.hasResourceProperties("AWS::EC2::SecurityGroupIngress", Map.of(
        "FromPort", 8080, "ToPort", 8080, "IpProtocol", "tcp",
        "GroupId", Match.objectLike(Map.of("Fn::GetAtt", List.of(logicalId(security, "Gateway tasks"), "GroupId"))),
        "SourceSecurityGroupId", Match.objectLike(Map.of("Fn::GetAtt",
            List.of(logicalId(security, "Load balancer"), "GroupId")))));
    assertEquals(0, countIngressFromAnywhere(security), "no ingress from 0.0.0.0/0");
  }

  @Test
  void security_originSecretIsGeneratedAndReplicatedToTheEdgeRegion() {
    security.hasResourceProperties("AWS::SecretsManager::Secret", Match.objectLike(Map.of(
        "Name", "openhands/origin-verify",
        "GenerateSecretString", Match.objectLike(Map.of("GenerateStringKey", "current", "PasswordLength", 48)),
        "ReplicaRegions", List.of(Map.of("Region", "us-east-1")))));
    security.hasResourceProperties("AWS::KMS::Key", Match.objectLike(Map.of("EnableKeyRotation", true)));
  }

  @Test
  void registry_tableOfTheContractRetainedWithRecoveryAndEncryption() {
    sandbox.hasResource("AWS::DynamoDB::GlobalTable", Match.objectLike(Map.of(
        "DeletionPolicy", "Retain",
        "Properties", Match.objectLike(Map.of(
            "TableName", "openhands-sandboxes",
            "KeySchema", List.of(Map.of("AttributeName", "conversation_id", "KeyType", "HASH")),
            "BillingMode", "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes", Match.arrayWith(List.of(
                Match.objectLike(Map.of("IndexName", "status-index", "KeySchema", List.of(
                    Map.of("AttributeName", "status", "KeyType", "HASH"),
                    Map.of("AttributeName", "last_activity_at", "KeyType", "RANGE")))),
                Match.objectLike(Map.of("IndexName", "user_id-index", "KeySchema", List.of(
                    Map.of("AttributeName", "user_id", "KeyType", "HASH"),
                    Map.of("AttributeName", "created_at", "KeyType", "RANGE")))))),
            "SSESpecification", Map.of("SSEEnabled", true, "SSEType", "KMS"),
            "Replicas", List.of(Match.objectLike(Map.of("PointInTimeRecoverySpecification",
                Map.of("PointInTimeRecoveryEnabled", true)))))))));
  }

  @Test
  void registry_gatewayReadsItsAttributesOnly_writesActivityAndShares_queriesItsIndex() {
    List<Map<String, Object>> statements = gatewayRegistryStatements();
    Map<String, Object> reads = statement(statements, "RegistryRouteReads");
    assertEquals("dynamodb:GetItem", reads.get("Action"));
    assertEquals(List.of("conversation_id", "status", "task_ip", "user_id", "owner_pending", "shares",
        "last_activity_at", "created_at"), attributesAllowed(reads));
    Map<String, Object> writes = statement(statements, "RegistryGatewayWrites");
    assertEquals("dynamodb:UpdateItem", writes.get("Action"));
    assertEquals(List.of("conversation_id", "last_activity_at", "shares", "status", "user_id"),
        attributesAllowed(writes));
    Map<String, Object> queries = statement(statements, "RegistryConsoleQueries");
    assertEquals("dynamodb:Query", queries.get("Action"));
    assertTrue(String.valueOf(queries.get("Resource")).contains("/index/user_id-index"), queries.toString());
    List<String> dynamoActions = new ArrayList<>();
    for (Map<String, Object> statement : statements) {
      Object action = statement.get("Action");
      (action instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of(String.valueOf(action)))
          .stream().filter(a -> a.startsWith("dynamodb:")).forEach(dynamoActions::add);
    }
    assertEquals(List.of("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"), dynamoActions,
        "the gateway's DynamoDB actions, all of them");
  }

  @Test
  void registry_theGatewaysRoleCannotReadTheSessionKeyOrTheStartEnvironment() {
    for (Map<String, Object> statement : gatewayRegistryStatements()) {
      if (String.valueOf(statement.get("Action")).startsWith("dynamodb:")) {
        List<String> allowed = attributesAllowed(statement);
        assertTrue(!allowed.isEmpty(), "every DynamoDB right of the gateway names its attributes: " + statement);
        assertTrue(!allowed.contains("session_api_key") && !allowed.contains("start_environment"), allowed.toString());
      }
    }
  }

  /** The statements of the policy attached to the gateway's task role in the Sandbox stack. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> gatewayRegistryStatements() {
    String role = "GatewayTaskRole";
    for (Map<String, Object> policy : castResources(sandbox.toJSON().get("Resources")).values()) {
      if (!"AWS::IAM::Policy".equals(policy.get("Type"))) {
        continue;
      }
      Map<String, Object> properties = (Map<String, Object>) policy.get("Properties");
      if (String.valueOf(properties.get("Roles")).contains(role)) {
        return (List<Map<String, Object>>) ((Map<String, Object>) properties.get("PolicyDocument")).get("Statement");
      }
    }
    throw new AssertionError("no policy for the gateway's role in the Sandbox stack");
  }

  private static Map<String, Object> statement(List<Map<String, Object>> statements, String sid) {
    return statements.stream().filter(s -> sid.equals(s.get("Sid"))).findFirst()
        .orElseThrow(() -> new AssertionError("no statement " + sid + " in " + statements));
  }

  @SuppressWarnings("unchecked")
  private static List<String> attributesAllowed(Map<String, Object> statement) {
    Map<String, Object> conditions = (Map<String, Object>) statement.getOrDefault("Condition", Map.of());
    Map<String, Object> forAll = (Map<String, Object>) conditions.getOrDefault("ForAllValues:StringEquals", Map.of());
    Object attributes = forAll.get("dynamodb:Attributes");
    return attributes == null ? List.of() : ((List<Object>) attributes).stream().map(String::valueOf).toList();
  }

  @Test
  void cluster_containerInsightsAndTheServiceNamespace() {
    cluster.hasResourceProperties("AWS::ECS::Cluster", Map.of("ClusterSettings",
        List.of(Map.of("Name", "containerInsights", "Value", "enabled")), "ClusterName", "openhands"));
    cluster.hasResourceProperties("AWS::ServiceDiscovery::PrivateDnsNamespace", Match.objectLike(
        Map.of("Name", "openhands.local")));
  }

  @Test
  void monitoring_encryptedLogsWithRetentionAndAnAlertTopic() {
    monitoring.hasResourceProperties("AWS::Logs::LogGroup", Match.objectLike(Map.of(
        "LogGroupName", "/openhands/gateway", "RetentionInDays", 30, "KmsKeyId", Match.anyValue())));
    monitoring.hasResourceProperties("AWS::SNS::Topic", Match.objectLike(Map.of("KmsMasterKeyId", Match.anyValue())));
    monitoring.hasResourceProperties("AWS::SNS::Subscription", Map.of("Protocol", "email",
        "Endpoint", "ops@example.com", "TopicArn", Match.anyValue()));
  }

  @Test
  void compute_gatewayTaskIsArm64WithTheConfigurationTable() {
    compute.hasResourceProperties("AWS::ECS::TaskDefinition", Match.objectLike(Map.of(
        "Cpu", "512", "Memory", "1024",
        "RuntimePlatform", Map.of("CpuArchitecture", "ARM64", "OperatingSystemFamily", "LINUX"),
        "ContainerDefinitions", List.of(Match.objectLike(Map.of(
            "ReadonlyRootFilesystem", true, "User", "10001", "StopTimeout", 30,
            "Secrets", Match.arrayWith(List.of(Map.of("Name", "ORIGIN_VERIFY_SECRET", "ValueFrom",
                Match.objectLike(Map.of("Fn::Join", Match.arrayWith(List.of(Match.arrayWith(
                    List.of(":current::")))))))))))))));
  }

  @Test
  void compute_runtimeHostsSignInThroughTheMainHost_withASessionSecretFromSecretsManager() {
    compute.hasResourceProperties("AWS::ECS::TaskDefinition", Match.objectLike(Map.of("ContainerDefinitions",
        List.of(Match.objectLike(Map.of(
            "Environment", Match.arrayWith(List.of(Map.of("Name", "SIGN_IN_URL",
                "Value", "https://openhands.example.com/_login"))),
            "Secrets", Match.arrayWith(List.of(Match.objectLike(Map.of("Name", "RUNTIME_SESSION_SECRET"))))))))));
    security.hasResourceProperties("AWS::SecretsManager::Secret", Match.objectLike(Map.of(
        "Name", "openhands/runtime-session",
        "GenerateSecretString", Match.objectLike(Map.of("PasswordLength", 48, "ExcludePunctuation", true)))));
  }

  @Test
  void compute_gatewayEnvironmentFollowsTheConfigurationTable() {
    Map<String, Object> expected = new java.util.LinkedHashMap<>();
    expected.put("SANDBOX_TABLE", Match.anyValue());
    expected.put("AWS_REGION", "eu-west-1");
    expected.put("GATEWAY_PORT", "8080");
    expected.put("ORIGIN_VERIFY", "required");
    expected.put("RUNTIME_AUTH", "owner");
    expected.put("DRAIN_DELAY", "5s");
    expected.put("DRAIN_TIMEOUT", "25s");
    expected.put("WEBSOCKET_IDLE_TIMEOUT", "300s");
    expected.put("COGNITO_ISSUER", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123");
    expected.put("COGNITO_CLIENT_ID", "1example23456789abcdefghij");
    expected.put("APP_UPSTREAM", "http://app.openhands.local:3000");
    expected.forEach((name, value) -> compute.hasResourceProperties("AWS::ECS::TaskDefinition", Match.objectLike(
        Map.of("ContainerDefinitions", List.of(Match.objectLike(Map.of("Environment",
            Match.arrayWith(List.of(Map.of("Name", name, "Value", value))))))))));
  }

  @Test
  void compute_loadBalancerRefusesAllButRequestsCarryingTheOriginSecret() {
    compute.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Match.objectLike(Map.of(
        "Scheme", "internet-facing",
        "LoadBalancerAttributes", Match.arrayWith(List.of(
            Map.of("Key", "idle_timeout.timeout_seconds", "Value", "305"),
            Map.of("Key", "routing.http.drop_invalid_header_fields.enabled", "Value", "true"),
            Map.of("Key", "routing.http.desync_mitigation_mode", "Value", "strictest"),
            Map.of("Key", "access_logs.s3.enabled", "Value", "true"))))));
    compute.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Match.objectLike(Map.of(
        "Port", 443, "Protocol", "HTTPS", "SslPolicy", "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "Certificates", List.of(Map.of("CertificateArn", Map.of("Ref", logicalIdOfType(compute,
            "AWS::CertificateManager::Certificate")))),
        "DefaultActions", List.of(Match.objectLike(Map.of("Type", "fixed-response",
            "FixedResponseConfig", Match.objectLike(Map.of("StatusCode", "403"))))))));
    compute.resourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 1);
    compute.hasResourceProperties("AWS::CertificateManager::Certificate", Match.objectLike(Map.of(
        "DomainName", "origin.openhands.example.com", "ValidationMethod", "DNS",
        "DomainValidationOptions", List.of(Map.of("DomainName", "origin.openhands.example.com",
            "HostedZoneId", Match.anyValue())))));
    compute.resourceCountIs("AWS::ElasticLoadBalancingV2::ListenerRule", 4);
    Object originHeader = Match.objectLike(Map.of("Field", "http-header", "HttpHeaderConfig",
        Map.of("HttpHeaderName", "X-Origin-Verify", "Values", List.of(Match.objectLike(Map.of("Fn::Join",
            List.of("", Match.arrayWith(List.of("{{resolve:secretsmanager:", ":SecretString:current::}}")))))))));
    compute.hasResourceProperties("AWS::ElasticLoadBalancingV2::ListenerRule", Match.objectLike(Map.of(
        "Priority", 10, "Conditions", List.of(Map.of("Field", "host-header",
            "HostHeaderConfig", Map.of("Values", List.of("*.runtime.openhands.example.com"))), originHeader))));
    compute.hasResourceProperties("AWS::ElasticLoadBalancingV2::ListenerRule", Match.objectLike(Map.of(
        "Priority", 20, "Conditions", List.of(Map.of("Field", "path-pattern",
            "PathPatternConfig", Map.of("Values", List.of("/runtime/*"))), originHeader))));
    compute.hasResourceProperties("AWS::ElasticLoadBalancingV2::ListenerRule", Match.objectLike(Map.of(
        "Priority", 30, "Conditions", List.of(originHeader))));
    // The configuration API first, and for the main host only: runtime hosts never reach it.
    compute.hasResourceProperties("AWS::ElasticLoadBalancingV2::ListenerRule", Match.objectLike(Map.of(
        "Priority", 5, "Conditions", List.of(
            Map.of("Field", "host-header", "HostHeaderConfig", Map.of("Values", List.of("openhands.example.com"))),
            Map.of("Field", "path-pattern", "PathPatternConfig", Map.of("Values",
                List.of("/api/v1/user-config/*"))),
            originHeader))));
  }

  @Test
  void compute_healthCheckAndDrainAgreeWithTheGateway() {
    compute.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", Match.objectLike(Map.of(
        "HealthCheckPath", "/health", "HealthCheckIntervalSeconds", 5, "HealthyThresholdCount", 2,
        "TargetType", "ip", "Port", 8080,
        "TargetGroupAttributes", Match.arrayWith(List.of(
            Map.of("Key", "deregistration_delay.timeout_seconds", "Value", "30"),
            Map.of("Key", "slow_start.duration_seconds", "Value", "60"))))));
    compute.hasResourceProperties("AWS::ECS::Service", Match.objectLike(Map.of(
        "LaunchType", "FARGATE", "DesiredCount", Match.absent(),
        // The JVM's start and the gateway's warm-up (WARMUP_LIMIT, at most 45 s) fit in the grace period.
        "HealthCheckGracePeriodSeconds", 60,
        "DeploymentConfiguration", Match.objectLike(Map.of(
            "DeploymentCircuitBreaker", Map.of("Enable", true, "Rollback", true),
            "MinimumHealthyPercent", 100)),
        "NetworkConfiguration", Map.of("AwsvpcConfiguration", Match.objectLike(Map.of(
            "AssignPublicIp", "DISABLED"))))));
  }

  @Test
  void compute_scalesOnCpuAndRequestsAndAlarmsToTheTopic() {
    compute.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Match.objectLike(Map.of(
        "MinCapacity", 2, "MaxCapacity", 10)));
    for (String metric : List.of("ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget")) {
      compute.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Match.objectLike(Map.of(
          "TargetTrackingScalingPolicyConfiguration", Match.objectLike(Map.of(
              "PredefinedMetricSpecification", Match.objectLike(Map.of("PredefinedMetricType", metric)))))));
    }
    compute.resourceCountIs("AWS::CloudWatch::Alarm", 5);
    compute.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    compute.hasResourceProperties("AWS::Route53::RecordSet", Match.objectLike(Map.of(
        "Name", "origin.openhands.example.com.", "Type", "A")));
  }

  @Test
  void edge_certificateForTheMainAndEveryRuntimeHost() {
    edge.hasResourceProperties("AWS::CertificateManager::Certificate", Match.objectLike(Map.of(
        "DomainName", "openhands.example.com",
        "SubjectAlternativeNames", List.of("*.runtime.openhands.example.com"),
        "ValidationMethod", "DNS")));
    edge.resourceCountIs("AWS::Route53::RecordSet", 4);
  }

  @Test
  void edge_distributionForwardsUncachedToTheLoadBalancerWithTheSecretAndTheSignInFunction() {
    edge.hasResourceProperties("AWS::CloudFront::Distribution", Map.of("DistributionConfig", Match.objectLike(Map.of(
        "Aliases", List.of("openhands.example.com", "*.runtime.openhands.example.com"),
        "ViewerCertificate", Match.objectLike(Map.of("MinimumProtocolVersion", "TLSv1.2_2021")),
        "WebACLId", Match.anyValue(),
        "Origins", List.of(Match.objectLike(Map.of(
            "DomainName", "origin.openhands.example.com",
            "CustomOriginConfig", Match.objectLike(Map.of("OriginProtocolPolicy", "https-only",
                "HTTPSPort", 443, "OriginSSLProtocols", List.of("TLSv1.2"))),
            "OriginCustomHeaders", List.of(Map.of("HeaderName", "X-Origin-Verify", "HeaderValue",
                "{{resolve:secretsmanager:openhands/origin-verify:SecretString:current::}}"))))),
        "DefaultCacheBehavior", Match.objectLike(Map.of(
            "CachePolicyId", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
            "OriginRequestPolicyId", "216adef6-5c7f-47e4-b989-5492eafa07d3",
            "ViewerProtocolPolicy", "redirect-to-https",
            "LambdaFunctionAssociations", List.of(Match.objectLike(Map.of("EventType", "viewer-request")))))))));
    edge.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
        "Runtime", "nodejs22.x", "Handler", "index.handler", "MemorySize", 128, "Timeout", 5)));
    assertTrue(!edge.toJSON().toString().contains("origin-response"), "no origin-response function");
  }

  @Test
  void edge_wafCommonRulesWithBodySizeCountedKnownBadInputsAndARateLimit() {
    edge.hasResourceProperties("AWS::WAFv2::WebACL", Match.objectLike(Map.of(
        "Scope", "CLOUDFRONT",
        "Rules", List.of(
            Match.objectLike(Map.of("Name", "AWSManagedRulesCommonRuleSet", "Statement", Map.of(
                "ManagedRuleGroupStatement", Match.objectLike(Map.of("RuleActionOverrides", List.of(Map.of(
                    "Name", "SizeRestrictions_BODY", "ActionToUse", Map.of("Count", Map.of())))))))),
            Match.objectLike(Map.of("Name", "AWSManagedRulesKnownBadInputsRuleSet")),
            Match.objectLike(Map.of("Name", "RateLimit", "Statement", Map.of("RateBasedStatement",
                Map.of("Limit", 20000, "AggregateKeyType", "IP"))))))));
  }

  @Test
  void edge_bundledConfigPassesTheFunctionsOwnColdStartCheck() throws IOException, InterruptedException {
    Path index = Path.of("target/edge-bundle/index.mjs").toAbsolutePath();
    Process node = new ProcessBuilder("node", "--input-type=module", "-e",
        "await import(" + quote(index.toUri().toString()) + "); console.log('config ok');")
        .redirectErrorStream(true).start();
    String output = new String(node.getInputStream().readAllBytes());
    assertTrue(node.waitFor(30, TimeUnit.SECONDS), "node finished");
    assertEquals(0, node.exitValue(), output);
    assertTrue(output.contains("config ok"), output);
  }

  private static String quote(String text) {
    return "'" + text.replace("'", "\\'") + "'";
  }

  private static List<Stack> allStacks() {
    List<Stack> all = new ArrayList<>(List.of(stacks.auth(), stacks.network(), stacks.security(),
        stacks.monitoring(), stacks.database(), stacks.cluster(), stacks.sandbox(), stacks.userConfig(),
        stacks.compute()));
    stacks.edge().ifPresent(all::add);
    return all;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> castResources(Object resources) {
    return (Map<String, Map<String, Object>>) resources;
  }

  /** The logical id of the security group whose description starts with {@code description}. */
  private static String logicalId(Template template, String description) {
    Map<String, Map<String, Object>> groups = castResources(template.findResources("AWS::EC2::SecurityGroup",
        Map.of("Properties", Map.of("GroupDescription", Match.stringLikeRegexp(description + ".*")))));
    assertEquals(1, groups.size(), description);
    return groups.keySet().iterator().next();
  }

  private static String logicalIdOfType(Template template, String type) {
    Map<String, Map<String, Object>> found = castResources(template.findResources(type));
    assertEquals(1, found.size(), type);
    return found.keySet().iterator().next();
  }

  private static int countIngressFromAnywhere(Template template) {
    return template.toJSON().toString().split("CidrIp=0\\.0\\.0\\.0/0, Description=from", -1).length - 1;
  }
}
