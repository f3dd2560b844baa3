package dev.openhands.runtime.deploy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CustomResource;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.customresources.Provider;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.rds.AuroraPostgresClusterEngineProps;
import software.amazon.awscdk.services.rds.AuroraPostgresEngineVersion;
import software.amazon.awscdk.services.rds.BackupProps;
import software.amazon.awscdk.services.rds.CfnDBCluster;
import software.amazon.awscdk.services.rds.ClientPasswordAuthType;
import software.amazon.awscdk.services.rds.ClusterInstance;
import software.amazon.awscdk.services.rds.Credentials;
import software.amazon.awscdk.services.rds.CredentialsFromUsernameOptions;
import software.amazon.awscdk.services.rds.DatabaseCluster;
import software.amazon.awscdk.services.rds.DatabaseClusterEngine;
import software.amazon.awscdk.services.rds.DatabaseProxy;
import software.amazon.awscdk.services.rds.IClusterEngine;
import software.amazon.awscdk.services.rds.ParameterGroup;
import software.amazon.awscdk.services.rds.ProxyTarget;
import software.amazon.awscdk.services.rds.ServerlessV2ClusterInstanceProps;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/**
 * The OpenHands app's database, as the original's Database stack: Aurora PostgreSQL Serverless v2, reached through
 * an RDS Proxy that requires TLS (and SCRAM passwords), with generated secrets, IAM authentication for direct admin
 * sign-in, 14 days of backups, a final snapshot on removal, and the server log in a log group that expires.
 *
 * <p>The cluster can start from a snapshot ({@code databaseSnapshot}), to move an existing deployment's data over.
 * The app's database users are made by a custom resource in Java ({@code DatabaseBootstrapHandler} in the
 * {@code lambda} module): the proxy user with the proxy secret's password, the IAM user, their rights, and the enum
 * type the app's migrations expect.
 */
public final class DatabaseStack extends Stack {

  public static final String ID = "OpenHands-Database";
  public static final String DATABASE_NAME = "openhands";
  /** Signs in with IAM tokens, directly to the cluster (admin work). */
  public static final String IAM_USER = "openhands_iam";
  /** Signs in with the proxy secret's password through RDS Proxy: the app, and the orchestrator's owner look-up. */
  public static final String PROXY_USER = "openhands_proxy";
  public static final int PORT = 5432;
  static final String BOOTSTRAP_HANDLER = "dev.openhands.runtime.lambda.bootstrap.DatabaseBootstrapHandler";

  /** What the stack is built from; {@code lambdaJar} is the {@code lambda} module's jar. */
  public record Inputs(DeploymentSettings settings, Path lambdaJar, IVpc vpc) {}

  private final DatabaseCluster cluster;
  private final DatabaseProxy proxy;
  private final SecurityGroup proxyGroup;
  private final Secret proxySecret;

  public DatabaseStack(Construct scope, StackProps props, Inputs in) {
    super(scope, ID, props);
    DeploymentSettings settings = in.settings();
    // The stack's own key, for storage and the server log. The secrets keep Secrets Manager's own key: a grant on a
    // key of this stack to a reader in another (the orchestrator) would make this stack depend on that one.
    Key key = Key.Builder.create(this, "Key").alias("alias/" + settings.siteName() + "-database")
        .description("Encrypts the app's database and its server log")
        .enableKeyRotation(true).pendingWindow(Duration.days(30)).removalPolicy(RemovalPolicy.RETAIN).build();
    key.grantEncryptDecrypt(new ServicePrincipal("logs." + settings.region() + ".amazonaws.com"));
    SecurityGroup clusterGroup = group(in.vpc(), "ClusterGroup", "Aurora: PostgreSQL from the proxy and the bootstrap");
    proxyGroup = group(in.vpc(), "ProxyGroup", "RDS Proxy: PostgreSQL from the app and the orchestrator");
    // The proxy's own edge to the cluster is made by DatabaseProxy (ProxyTarget.fromCluster).

    proxySecret = Secret.Builder.create(this, "ProxyUserSecret").secretName(settings.siteName() + "/database/proxy-user")
        .description("The app's database user (" + PROXY_USER + "), through RDS Proxy")
        .generateSecretString(SecretStringGenerator.builder()
            .secretStringTemplate("{\"username\":\"" + PROXY_USER + "\"}").generateStringKey("password")
            .passwordLength(32).excludePunctuation(true).includeSpace(false).build())
        .build();
    Nag.suppress(proxySecret, "AwsSolutions-SMG4", "Rotation is an operator step: set a new value, then update the"
        + " Database stack, whose bootstrap sets the user's password to it (RDS Proxy reads the secret itself).");

    String clusterId = settings.siteName() + "-database";
    // The server's log group exists before the cluster, so it expires (RDS would make one that never does).
    LogGroup.Builder.create(this, "ServerLog").logGroupName("/aws/rds/cluster/" + clusterId + "/postgresql")
        .retention(RetentionDays.ONE_MONTH).encryptionKey(key)
        .removalPolicy(RemovalPolicy.DESTROY).build();
    IClusterEngine engine = DatabaseClusterEngine.auroraPostgres(AuroraPostgresClusterEngineProps.builder()
        .version(AuroraPostgresEngineVersion.VER_15_17).build());
    cluster = DatabaseCluster.Builder.create(this, "Cluster")
        .clusterIdentifier(clusterId)
        .engine(engine)
        .credentials(Credentials.fromGeneratedSecret("postgres", CredentialsFromUsernameOptions.builder()
            .secretName(settings.siteName() + "/database/admin").build()))
        .defaultDatabaseName(DATABASE_NAME)
        .vpc(in.vpc()).vpcSubnets(NetworkStack.TASK_SUBNETS).securityGroups(List.of(clusterGroup))
        .writer(ClusterInstance.serverlessV2("writer", ServerlessV2ClusterInstanceProps.builder()
            .publiclyAccessible(false).autoMinorVersionUpgrade(true).build()))
        .serverlessV2MinCapacity(settings.databaseMinCapacity())
        .serverlessV2MaxCapacity(settings.databaseMaxCapacity())
        .iamAuthentication(true)
        .storageEncrypted(true).storageEncryptionKey(key)
        .backup(BackupProps.builder().retention(Duration.days(14)).preferredWindow("03:00-04:00").build())
        .preferredMaintenanceWindow("Sun:04:30-Sun:05:30")
        .cloudwatchLogsExports(List.of("postgresql"))
        .parameterGroup(ParameterGroup.Builder.create(this, "Parameters").engine(engine)
            .description("TLS only, SCRAM passwords, DDL and slow statements logged")
            .parameters(new java.util.TreeMap<>(Map.of(
                "rds.force_ssl", "1",
                "password_encryption", "scram-sha-256",
                "log_statement", "ddl",
                "log_min_duration_statement", "1000")))
            .build())
        .deletionProtection(true)
        .removalPolicy(RemovalPolicy.SNAPSHOT)
        .build();
    if (settings.databaseSnapshot() != null) {
      restoreFrom(settings.databaseSnapshot());
    }
    Nag.suppress(cluster, "AwsSolutions-RDS11", "PostgreSQL's default port: the security groups, not the port"
        + " number, decide who reaches the cluster (the proxy and the bootstrap function only).");
    Nag.suppress(cluster, "AwsSolutions-SMG4", "The admin secret is used by the bootstrap alone; rotate it with"
        + " RDS's own rotation when needed (the app never holds it).");

    proxy = DatabaseProxy.Builder.create(this, "Proxy")
        .proxyTarget(ProxyTarget.fromCluster(cluster))
        .secrets(List.of(proxySecret))
        .dbProxyName(settings.siteName() + "-database")
        .vpc(in.vpc()).vpcSubnets(NetworkStack.TASK_SUBNETS).securityGroups(List.of(proxyGroup))
        .requireTls(true)
        .clientPasswordAuthType(ClientPasswordAuthType.POSTGRES_SCRAM_SHA_256)
        .iamAuth(false)
        .idleClientTimeout(Duration.minutes(30))
        .maxConnectionsPercent(100).maxIdleConnectionsPercent(50)
        .build();

    bootstrap(in, clusterGroup);

    CfnOutput.Builder.create(this, "ProxyEndpoint").value(proxy.getEndpoint())
        .description("RDS Proxy endpoint (TLS required): the app's database host").build();
    CfnOutput.Builder.create(this, "ProxyUserSecretName").value(proxySecret.getSecretName())
        .description("The app's database user and password").build();
  }

  /** The custom resource that makes the app's users, run again whenever its properties change. */
  private void bootstrap(Inputs in, SecurityGroup clusterGroup) {
    SecurityGroup bootstrapGroup = group(in.vpc(), "BootstrapGroup",
        "Database bootstrap function: to the cluster and Secrets Manager");
    bootstrapGroup.addEgressRule(clusterGroup, Port.tcp(PORT), "to the cluster");
    bootstrapGroup.addEgressRule(Peer.ipv4(in.vpc().getVpcCidrBlock()), Port.tcp(443),
        "Secrets Manager's interface endpoint");
    clusterGroup.addIngressRule(bootstrapGroup, Port.tcp(PORT), "from the bootstrap function");
    Function function = JavaFunctions.create(this, "BootstrapFunction", in.lambdaJar(), BOOTSTRAP_HANDLER,
        "Makes the OpenHands app's database users (custom resource)", f -> f
            .vpc(in.vpc()).vpcSubnets(NetworkStack.TASK_SUBNETS).securityGroups(List.of(bootstrapGroup))
            .timeout(Duration.minutes(5)));
    cluster.getSecret().grantRead(function);
    proxySecret.grantRead(function);
    Provider provider = Provider.Builder.create(this, "BootstrapProvider").onEventHandler(function)
        .logGroup(LogGroup.Builder.create(this, "BootstrapProviderLogs").retention(RetentionDays.ONE_MONTH)
            .removalPolicy(RemovalPolicy.DESTROY).build())
        .build();
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("host", cluster.getClusterEndpoint().getHostname());
    properties.put("port", String.valueOf(PORT));
    properties.put("database", DATABASE_NAME);
    properties.put("iamDatabaseUser", IAM_USER);
    properties.put("proxyDatabaseUser", PROXY_USER);
    properties.put("adminSecretArn", cluster.getSecret().getSecretArn());
    properties.put("proxySecretArn", proxySecret.getSecretArn());
    properties.put("sslMode", "require");
    CustomResource users = CustomResource.Builder.create(this, "DatabaseUsers")
        .serviceToken(provider.getServiceToken()).resourceType("Custom::OpenHandsDbBootstrap")
        .properties(properties).build();
    users.getNode().addDependency(cluster);
    Nag.suppress(function, "AwsSolutions-IAM4", "AWSLambdaVPCAccessExecutionRole is the managed policy Lambda"
        + " documents for functions in a VPC (network interfaces, logs).");
    Nag.suppress(provider, "AwsSolutions-IAM4", "The CDK provider framework's function uses Lambda's documented"
        + " basic execution policy.");
    Nag.suppress(provider, "AwsSolutions-IAM5", "The provider framework may invoke any version of the bootstrap"
        + " function it was given (its ARN with :*).");
    Nag.suppress(provider, "AwsSolutions-L1", "The provider framework's runtime is chosen by the CDK release,"
        + " which keeps it on a supported Node.js.");
  }

  /**
   * The cluster is created from {@code snapshot} (an openhands-infra deployment's database, say): its data and its
   * master user, whose password becomes the generated admin secret's; the bootstrap then sets the app's users up as
   * for a new database. It applies only when the cluster is created: CloudFormation replaces a cluster whose
   * snapshot changes.
   */
  private void restoreFrom(String snapshot) {
    CfnDBCluster cfn = (CfnDBCluster) cluster.getNode().getDefaultChild();
    cfn.setSnapshotIdentifier(snapshot);
    cfn.addPropertyDeletionOverride("MasterUsername");
    cfn.addPropertyDeletionOverride("DatabaseName");
  }

  private SecurityGroup group(IVpc vpc, String id, String description) {
    return SecurityGroup.Builder.create(this, id).vpc(vpc).allowAllOutbound(false).description(description).build();
  }

  /**
   * Lets {@code client} reach the proxy. Both rules are made in the client's stack, so this stack does not depend on
   * the stacks of its clients.
   */
  public void allowClient(ISecurityGroup client, String who) {
    proxyGroup.addIngressRule(client, Port.tcp(PORT), "from " + who, true);
    client.addEgressRule(proxyGroup, Port.tcp(PORT), "to the database proxy");
  }

  /** The proxy's endpoint, where the app and the orchestrator connect (TLS). */
  public String proxyEndpoint() {
    return proxy.getEndpoint();
  }

  /** A JDBC URL of the app's database through the proxy, TLS required. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + proxy.getEndpoint() + ":" + PORT + "/" + DATABASE_NAME + "?sslmode=require";
  }

  /** The proxy user's secret ({@code username}, {@code password}). */
  public Secret proxySecret() {
    return proxySecret;
  }

  public DatabaseCluster cluster() {
    return cluster;
  }
}
