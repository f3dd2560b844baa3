package dev.openhands.runtime.deploy;

import java.nio.file.Path;
import java.util.List;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ecs.ICluster;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.servicediscovery.INamespace;
import software.constructs.Construct;

/**
 * Everything about sandboxes, as the original's Sandbox stack: the registry table, the workspace file system, the
 * sandbox task definition, and the orchestrator that runs them, with its two API keys (the app's and the gateway's,
 * each its own secret so each rotates on its own). Security groups: the orchestrator takes its API from the gateway
 * (and the app), reaches sandboxes' agent-servers, the file system and AWS APIs.
 */
public final class SandboxStack extends Stack {

  public static final String ID = "OpenHands-Sandbox";

  /**
   * What the stack is built from.
   *
   * @param sandboxAwsPolicy the AWS rights of sandbox tasks ({@link SandboxAwsPolicy}; empty: none)
   */
  public record Inputs(DeploymentSettings settings, Path dockerContext, IVpc vpc, ICluster cluster,
      INamespace namespace, SecurityStack security, DatabaseStack database, List<PolicyStatement> sandboxAwsPolicy) {}

  private final SandboxRegistryTable registry;
  private final SandboxWorkspace workspace;
  private final SandboxTaskDefinition sandbox;
  private final OrchestratorService orchestrator;
  private final SecurityGroup orchestratorGroup;
  private final Secret appKey;
  private final Secret gatewayKey;
  private final IBucket conversationData;

  public SandboxStack(Construct scope, StackProps props, Inputs in) {
    super(scope, ID, props);
    DeploymentSettings settings = in.settings();
    SecurityStack security = in.security();
    registry = settings.existingRegistryTable() == null
        ? SandboxRegistryTable.create(this, "SandboxRegistry", settings.registryTableName(), security.key())
        : SandboxRegistryTable.adopt(this, "SandboxRegistry", settings.existingRegistryTable(),
            settings.existingRegistryTableKeyArn());
    registry.grantGatewayAccess(security.gatewayTaskRole());

    orchestratorGroup = SecurityGroup.Builder.create(this, "OrchestratorGroup").vpc(in.vpc()).allowAllOutbound(false)
        .description("Orchestrator tasks: API from the gateway and the app; to agent-servers, EFS and AWS APIs")
        .build();
    orchestratorGroup.addIngressRule(security.gatewayGroup(), Port.tcp(OrchestratorService.API_PORT),
        "wake calls from the gateway");
    // Rules on the Security stack's groups are made here (remote), so that stack does not depend on this one.
    security.gatewayGroup().addEgressRule(orchestratorGroup, Port.tcp(OrchestratorService.API_PORT),
        "wake calls to the orchestrator", true);
    orchestratorGroup.addEgressRule(Peer.anyIpv4(), Port.tcp(443), "AWS APIs over HTTPS");
    in.database().allowClient(orchestratorGroup, "the orchestrator (who owns a conversation)");
    orchestratorGroup.addEgressRule(security.sandboxGroup(), Port.tcp(SandboxTaskDefinition.AGENT_SERVER_PORT),
        "agent-servers' /alive and conversation search");
    security.sandboxGroup().addIngressRule(orchestratorGroup, Port.tcp(SandboxTaskDefinition.AGENT_SERVER_PORT),
        "from the orchestrator", true);

    List<ISecurityGroup> mounting = List.of(security.sandboxGroup(), orchestratorGroup);
    workspace = settings.existingWorkspaceFileSystemId() == null
        ? SandboxWorkspace.create(this, "Workspace", in.vpc(), security.key(), mounting)
        : SandboxWorkspace.adopt(this, "Workspace", settings.existingWorkspaceFileSystemId(),
            settings.existingWorkspaceSecurityGroupId(), mounting);
    orchestratorGroup.addEgressRule(workspace.fileSystem().getConnections().getSecurityGroups().get(0),
        Port.tcp(2049), "the workspace file system");
    sandbox = new SandboxTaskDefinition(this, "SandboxTask", settings, workspace, in.sandboxAwsPolicy());
    conversationData = settings.existingDataBucket() == null ? newDataBucket()
        : Bucket.fromBucketName(this, "ConversationData", settings.existingDataBucket());

    appKey = apiKey("AppApiKey", settings.siteName() + "/orchestrator-app-key",
        "ORCHESTRATOR_API_KEYS: the OpenHands app's key to the orchestrator (SANDBOX_API_KEY in the app)");
    gatewayKey = apiKey("GatewayApiKey", settings.siteName() + "/orchestrator-gateway-key",
        "ORCHESTRATOR_GATEWAY_API_KEYS: the gateway's key to the orchestrator (its wake calls)");
    orchestrator = new OrchestratorService(this, "Orchestrator", new OrchestratorService.Props(settings,
        in.dockerContext(), in.vpc(), in.cluster(), in.namespace(), orchestratorGroup, security.sandboxGroup(),
        registry, workspace, sandbox, appKey, gatewayKey, in.database(), conversationData));
  }

  /** The app's conversation data (history, settings); the orchestrator's delete removes a conversation's part. */
  private Bucket newDataBucket() {
    Bucket bucket = Bucket.Builder.create(this, "ConversationData")
        .encryption(BucketEncryption.S3_MANAGED).enforceSsl(true).blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .removalPolicy(RemovalPolicy.RETAIN)
        .lifecycleRules(List.of(LifecycleRule.builder().abortIncompleteMultipartUploadAfter(Duration.days(7))
            .build()))
        .build();
    Nag.suppress(bucket, "AwsSolutions-S1", "Only the app's and the orchestrator's roles reach this bucket; their"
        + " calls are in CloudTrail, so server access logs would add a second record of the same reads.");
    return bucket;
  }

  private Secret apiKey(String id, String name, String description) {
    return GeneratedSecret.create(this, id, name, description, "Rotation is an operator step: the orchestrator"
        + " accepts two keys per caller (new,old), so the caller moves to the new key before the old one is removed.");
  }

  public SandboxRegistryTable registry() {
    return registry;
  }

  public SandboxWorkspace workspace() {
    return workspace;
  }

  public SandboxTaskDefinition sandbox() {
    return sandbox;
  }

  public OrchestratorService orchestrator() {
    return orchestrator;
  }

  /** The gateway's key to the orchestrator ({@code ORCHESTRATOR_API_KEY} in the gateway). */
  public Secret gatewayKey() {
    return gatewayKey;
  }

  /** The app's conversation data bucket ({@code FILE_STORE_PATH} in the app, {@code DATA_BUCKET} here). */
  public IBucket conversationData() {
    return conversationData;
  }

  /** The orchestrator tasks' group: the app's calls come in through it. */
  public SecurityGroup orchestratorGroup() {
    return orchestratorGroup;
  }

  /** The app's key to the orchestrator. */
  public Secret appKey() {
    return appKey;
  }
}
