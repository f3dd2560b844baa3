package dev.openhands.runtime.deploy;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.Billing;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexPropsV2;
import software.amazon.awscdk.services.dynamodb.ITableV2;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.TableAttributesV2;
import software.amazon.awscdk.services.dynamodb.TableEncryptionV2;
import software.amazon.awscdk.services.dynamodb.TableV2;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.kms.Key;
import software.constructs.Construct;

/**
 * The sandbox registry of DESIGN.md: one item per conversation ({@code conversation_id}), written by the
 * orchestrator, read by the gateway. On-demand, point-in-time recovery, encrypted with the deployment's key, and
 * retained when the stack goes away (it is the record of which sandboxes exist).
 *
 * <p>Or an existing table adopted by name ({@link #adopt}), such as an openhands-infra deployment's
 * {@code {prefix}-sandbox-registry}: nothing is created, its items stay, and the same grants apply to it.
 */
public final class SandboxRegistryTable extends Construct {

  public static final String PARTITION_KEY = "conversation_id";
  public static final String STATUS_INDEX = "status-index";
  public static final String USER_INDEX = "user_id-index";

  private final ITableV2 table;
  /** The table's customer-managed key, or null when DynamoDB's own key encrypts it (an adopted table's default). */
  private final IKey key;

  private SandboxRegistryTable(Construct scope, String id, java.util.function.Function<Construct, ITableV2> table,
      IKey key) {
    super(scope, id);
    this.key = key;
    this.table = table.apply(this);
  }

  /** A new table named {@code tableName}, encrypted with {@code key}. */
  public static SandboxRegistryTable create(Construct scope, String id, String tableName, IKey key) {
    return new SandboxRegistryTable(scope, id, self -> newTable(self, tableName, key), key);
  }

  /**
   * The existing table {@code tableName} (it must have the two indexes); {@code keyArn} is its customer-managed
   * key, or null when DynamoDB's own key encrypts it.
   */
  public static SandboxRegistryTable adopt(Construct scope, String id, String tableName, String keyArn) {
    IKey key = keyArn == null ? null : Key.fromKeyArn(scope, id + "Key", keyArn);
    return new SandboxRegistryTable(scope, id, self -> TableV2.fromTableAttributes(self, "Resource",
        TableAttributesV2.builder().tableName(tableName).globalIndexes(List.of(STATUS_INDEX, USER_INDEX))
            .encryptionKey(key).build()), key);
  }

  private static TableV2 newTable(Construct scope, String tableName, IKey key) {
    return TableV2.Builder.create(scope, "Resource")
        .tableName(tableName)
        .partitionKey(Attribute.builder().name(PARTITION_KEY).type(AttributeType.STRING).build())
        .billing(Billing.onDemand())
        .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
            .pointInTimeRecoveryEnabled(true).build())
        .encryption(TableEncryptionV2.customerManagedKey(key))
        .deletionProtection(true)
        .removalPolicy(RemovalPolicy.RETAIN)
        .globalSecondaryIndexes(List.of(
            GlobalSecondaryIndexPropsV2.builder().indexName(STATUS_INDEX)
                .partitionKey(Attribute.builder().name("status").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("last_activity_at").type(AttributeType.NUMBER).build()).build(),
            GlobalSecondaryIndexPropsV2.builder().indexName(USER_INDEX)
                .partitionKey(Attribute.builder().name("user_id").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("created_at").type(AttributeType.NUMBER).build()).build()))
        .build();
  }

  public String tableName() {
    return table.getTableName();
  }

  public ITableV2 table() {
    return table;
  }

  /**
   * The attributes the gateway may read (the design's registry section): never {@code session_api_key} or
   * {@code start_environment}. The gateway's code reads with exactly this projection.
   */
  public static final List<String> GATEWAY_READABLE = List.of("conversation_id", "status", "task_ip", "user_id",
      "owner_pending", "shares", "last_activity_at", "created_at");
  /**
   * The attributes a gateway write may name: the two it sets ({@code last_activity_at}; {@code shares}, the owner's
   * console), the key, and the two its conditions compare ({@code status}, {@code user_id}).
   */
  public static final List<String> GATEWAY_WRITABLE = List.of("conversation_id", "last_activity_at", "shares",
      "status", "user_id");

  /**
   * What the gateway needs and nothing more: {@code GetItem} of the readable attributes only (routes),
   * {@code UpdateItem} naming only the writable ones and returning nothing ({@code last_activity_at}, the console's
   * shares), {@code Query} of {@code user_id-index} with the readable attributes (the console), plus the key
   * operations DynamoDB performs for it. The policy lives in this construct's stack, so the role's stack does not
   * depend on the table.
   */
  public Policy grantGatewayAccess(IRole role) {
    List<PolicyStatement> statements = new java.util.ArrayList<>(List.of(
            PolicyStatement.Builder.create().sid("RegistryRouteReads")
                .actions(List.of("dynamodb:GetItem"))
                .resources(List.of(table.getTableArn()))
                .conditions(readConditions()).build(),
            PolicyStatement.Builder.create().sid("RegistryGatewayWrites")
                .actions(List.of("dynamodb:UpdateItem"))
                .resources(List.of(table.getTableArn()))
                .conditions(Map.of(
                    "ForAllValues:StringEquals", Map.of("dynamodb:Attributes", GATEWAY_WRITABLE),
                    "StringEqualsIfExists", Map.of("dynamodb:ReturnValues", "NONE"))).build(),
            PolicyStatement.Builder.create().sid("RegistryConsoleQueries")
                .actions(List.of("dynamodb:Query"))
                .resources(List.of(table.getTableArn() + "/index/" + USER_INDEX))
                .conditions(readConditions()).build()));
    if (key != null) {
      statements.add(PolicyStatement.Builder.create().sid("RegistryKey")
          .actions(List.of("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"))
          .resources(List.of(key.getKeyArn())).build());
    }
    return Policy.Builder.create(this, "GatewayAccess").roles(List.of(role)).statements(statements).build();
  }

  private static Map<String, Object> readConditions() {
    return Map.of(
        "ForAllValues:StringEquals", Map.of("dynamodb:Attributes", GATEWAY_READABLE),
        "StringEqualsIfExists", Map.of("dynamodb:Select", "SPECIFIC_ATTRIBUTES"));
  }

  /** The orchestrator owns the items: every read and write, on the table and its indexes, and the key's use. */
  public void grantOrchestratorAccess(IRole role) {
    table.grantReadWriteData(role);
  }
}
