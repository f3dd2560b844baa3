package dev.openhands.runtime.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * Moving an openhands-infra deployment over: with the adoption parameters, the Sandbox stack creates no table, no
 * workspace file system and no data bucket, and everything that used them names the adopted ones.
 */
class AdoptionTest {

  static final String TABLE = "openhands-sandbox-registry";
  static final String FILE_SYSTEM = "fs-0123456789abcdef0";
  static final String NFS_GROUP = "sg-0fedcba9876543210";
  static final String BUCKET = "openhands-monitoring-databucket-abc123";

  static final String SNAPSHOT = "openhands-before-the-move";

  private static Template sandbox;
  private static Template database;
  private static String templateText;

  @TempDir
  static Path outdir;

  @BeforeAll
  static void synthesize() {
    Map<String, Object> context = new HashMap<>(ExampleDeployment.context());
    context.put("existingRegistryTable", TABLE);
    context.put("existingWorkspaceFileSystemId", FILE_SYSTEM);
    context.put("existingWorkspaceSecurityGroupId", NFS_GROUP);
    context.put("existingDataBucket", BUCKET);
    context.put("databaseSnapshot", SNAPSHOT);
    DeployApp.Stacks stacks = ExampleDeployment.build(ExampleDeployment.app(context, outdir));
    sandbox = Template.fromStack(stacks.sandbox());
    database = Template.fromStack(stacks.database());
    templateText = sandbox.toJSON().toString();
  }

  @Test
  void nothingThatHoldsConversations_isCreated() {
    sandbox.resourceCountIs("AWS::DynamoDB::GlobalTable", 0);
    sandbox.resourceCountIs("AWS::DynamoDB::Table", 0);
    sandbox.resourceCountIs("AWS::EFS::FileSystem", 0);
    sandbox.resourceCountIs("AWS::EFS::MountTarget", 0);
    sandbox.resourceCountIs("AWS::S3::Bucket", 0);
  }

  @Test
  void theOrchestrator_runsOnTheAdoptedTableFileSystemAndBucket() {
    sandbox.hasResourceProperties("AWS::ECS::TaskDefinition", Match.objectLike(Map.of(
        "Family", "openhands-orchestrator",
        "ContainerDefinitions", List.of(Match.objectLike(Map.of("Environment", Match.arrayWith(List.of(
            Map.of("Name", "SANDBOX_TABLE", "Value", TABLE),
            Map.of("Name", "EFS_FILE_SYSTEM_ID", "Value", FILE_SYSTEM),
            Map.of("Name", "DATA_BUCKET", "Value", BUCKET)))))))));
    // The base access point is added on the adopted file system, at the same path and user as the original's.
    sandbox.hasResourceProperties("AWS::EFS::AccessPoint", Match.objectLike(Map.of(
        "FileSystemId", FILE_SYSTEM,
        "RootDirectory", Match.objectLike(Map.of("Path", "/sandbox-workspace")),
        "PosixUser", Map.of("Uid", "1000", "Gid", "1000"))));
  }

  @Test
  void theAppsDatabase_startsFromTheSnapshot_withItsMasterUserAndANewPassword() {
    Map<String, Map<String, Object>> clusters = database.findResources("AWS::RDS::DBCluster");
    assertEquals(1, clusters.size());
    Map<?, ?> properties = (Map<?, ?>) clusters.values().iterator().next().get("Properties");
    assertEquals(SNAPSHOT, properties.get("SnapshotIdentifier"));
    assertTrue(!properties.containsKey("MasterUsername") && !properties.containsKey("DatabaseName"),
        "a restore takes both from the snapshot: " + properties.keySet());
    assertTrue(properties.containsKey("MasterUserPassword"), "the generated admin secret's password");
  }

  @Test
  void theAdoptedMountTargetsGroup_takesNfsFromThisDeploymentsTasks() {
    Map<String, Map<String, Object>> rules = sandbox.findResources("AWS::EC2::SecurityGroupIngress",
        Map.of("Properties", Map.of("GroupId", NFS_GROUP, "FromPort", 2049)));
    assertEquals(2, rules.size(), "from sandbox tasks and from the orchestrator: " + rules);
  }

  @Test
  void theGatewaysNarrowGrant_namesTheAdoptedTable_withNoKeyStatementForDynamoDbsOwnKey() {
    assertTrue(templateText.contains(":table/" + TABLE), "the adopted table's ARN");
    sandbox.hasResourceProperties("AWS::IAM::Policy", Match.objectLike(Map.of("PolicyDocument", Match.objectLike(
        Map.of("Statement", List.of(
            Match.objectLike(Map.of("Sid", "RegistryRouteReads")),
            Match.objectLike(Map.of("Sid", "RegistryGatewayWrites")),
            Match.objectLike(Map.of("Sid", "RegistryConsoleQueries"))))))));
  }
}
