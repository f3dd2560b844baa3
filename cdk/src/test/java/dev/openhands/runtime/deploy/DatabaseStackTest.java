package dev.openhands.runtime.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The Database stack: Aurora Serverless v2 behind an RDS Proxy that requires TLS, the Java bootstrap custom
 * resource, and the orchestrator's owner look-up wired to the proxy.
 */
class DatabaseStackTest {

  private static Template database;
  private static Template sandbox;

  @TempDir
  static Path outdir;

  @BeforeAll
  static void synthesize() {
    DeployApp.Stacks stacks = ExampleDeployment.build(ExampleDeployment.app(ExampleDeployment.context(), outdir));
    database = Template.fromStack(stacks.database());
    sandbox = Template.fromStack(stacks.sandbox());
  }

  @Test
  void cluster_auroraPostgresServerlessV2_encryptedIamAuthBackedUpLoggedAndProtected() {
    database.hasResource("AWS::RDS::DBCluster", Match.objectLike(Map.of(
        "DeletionPolicy", "Snapshot",
        "Properties", Match.objectLike(Map.of(
            "Engine", "aurora-postgresql",
            "DatabaseName", "openhands",
            "EnableIAMDatabaseAuthentication", true,
            "StorageEncrypted", true,
            "DeletionProtection", true,
            "BackupRetentionPeriod", 14,
            "EnableCloudwatchLogsExports", List.of("postgresql"),
            "ServerlessV2ScalingConfiguration", Map.of("MinCapacity", 0.5, "MaxCapacity", 4))))));
    database.hasResourceProperties("AWS::RDS::DBInstance", Match.objectLike(Map.of(
        "DBInstanceClass", "db.serverless", "PubliclyAccessible", false)));
    database.hasResourceProperties("AWS::RDS::DBClusterParameterGroup", Match.objectLike(Map.of(
        "Parameters", Match.objectLike(Map.of("rds.force_ssl", "1", "password_encryption", "scram-sha-256")))));
    database.hasResourceProperties("AWS::Logs::LogGroup", Map.of(
        "LogGroupName", "/aws/rds/cluster/openhands-database/postgresql", "RetentionInDays", 30,
        "KmsKeyId", Match.anyValue()));
  }

  @Test
  void proxy_requiresTlsAndScram_withTheGeneratedProxyUserSecret() {
    database.hasResourceProperties("AWS::RDS::DBProxy", Match.objectLike(Map.of(
        "EngineFamily", "POSTGRESQL",
        "RequireTLS", true,
        "Auth", List.of(Match.objectLike(Map.of("AuthScheme", "SECRETS", "IAMAuth", "DISABLED",
            "ClientPasswordAuthType", "POSTGRES_SCRAM_SHA_256"))))));
    database.hasResourceProperties("AWS::SecretsManager::Secret", Match.objectLike(Map.of(
        "Name", "openhands/database/proxy-user",
        "GenerateSecretString", Match.objectLike(Map.of(
            "SecretStringTemplate", "{\"username\":\"openhands_proxy\"}", "GenerateStringKey", "password")))));
  }

  @Test
  void bootstrap_aJava21FunctionInTheVpc_calledWithTheUsersAndTls() {
    database.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
        "Runtime", "java21",
        "Architectures", List.of("arm64"),
        "Handler", DatabaseStack.BOOTSTRAP_HANDLER + "::handleRequest",
        "VpcConfig", Match.objectLike(Map.of("SubnetIds", Match.anyValue())))));
    database.hasResourceProperties("Custom::OpenHandsDbBootstrap", Match.objectLike(Map.of(
        "database", "openhands",
        "iamDatabaseUser", "openhands_iam",
        "proxyDatabaseUser", "openhands_proxy",
        "sslMode", "require",
        "port", "5432")));
  }

  @Test
  void securityGroups_theClusterTakesOnlyTheProxyAndTheBootstrap_theProxyTheOrchestrator() {
    Map<String, Map<String, Object>> ingress = database.findResources("AWS::EC2::SecurityGroupIngress");
    List<String> sources = ingress.values().stream().map(rule -> {
      @SuppressWarnings("unchecked")
      Map<String, Object> properties = (Map<String, Object>) rule.get("Properties");
      return String.valueOf(properties.get("SourceSecurityGroupId"));
    }).sorted().toList();
    assertEquals(2, sources.size(), "the cluster: from the proxy and from the bootstrap function: " + ingress);
    assertTrue(sources.get(0).contains("BootstrapGroup") && sources.get(1).contains("ProxyGroup"), sources.toString());
    sandbox.hasResourceProperties("AWS::EC2::SecurityGroupIngress", Match.objectLike(Map.of(
        "FromPort", 5432, "ToPort", 5432, "Description", "from the orchestrator (who owns a conversation)")));
  }

  @Test
  void orchestrator_looksUpOwnersThroughTheProxy_withTheProxyUsersSecret() {
    sandbox.hasResourceProperties("AWS::ECS::TaskDefinition", Match.objectLike(Map.of(
        "Family", "openhands-orchestrator",
        "ContainerDefinitions", List.of(Match.objectLike(Map.of(
            "Environment", Match.arrayWith(List.of(Match.objectLike(Map.of("Name", "OWNER_DB_URL",
                "Value", Match.objectLike(Map.of("Fn::Join", Match.anyValue())))))),
            "Secrets", Match.arrayWith(List.of(
                Match.objectLike(Map.of("Name", "OWNER_DB_PASSWORD")),
                Match.objectLike(Map.of("Name", "OWNER_DB_USER"))))))))));
  }

  @Test
  void capacity_isAContextParameter_checkedAtSynth() {
    Map<String, Object> context = new HashMap<>(ExampleDeployment.context());
    context.put("databaseMinCapacity", "0");
    context.put("databaseMaxCapacity", "8");
    Template paused = Template.fromStack(ExampleDeployment.build(ExampleDeployment.app(context, outdir.resolve("c")))
        .database());
    paused.hasResourceProperties("AWS::RDS::DBCluster", Match.objectLike(Map.of(
        "ServerlessV2ScalingConfiguration", Map.of("MinCapacity", 0, "MaxCapacity", 8))));

    context.put("databaseMaxCapacity", "0.75");
    SettingsException refused = assertThrows(SettingsException.class,
        () -> ExampleDeployment.build(new App(software.amazon.awscdk.AppProps.builder().context(context).build())));
    assertTrue(refused.getMessage().startsWith("context databaseMaxCapacity: '0.75'"), refused.getMessage());
  }
}
