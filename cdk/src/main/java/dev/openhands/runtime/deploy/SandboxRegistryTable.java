package dev.openhands.runtime.deploy;

import java.util.List;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.Billing;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexPropsV2;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.TableEncryptionV2;
import software.amazon.awscdk.services.dynamodb.TableV2;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.IKey;
import software.constructs.Construct;

/**
 * The sandbox registry of DESIGN.md: one item per conversation ({@code conversation_id}), written by the
 * orchestrator, read by the gateway. On-demand, point-in-time recovery, encrypted with the deployment's key, and
 * retained when the stack goes away (it is the record of which sandboxes exist).
 */
public final class SandboxRegistryTable extends Construct {

  public static final String PARTITION_KEY = "conversation_id";
  public static final String STATUS_INDEX = "status-index";
  public static final String USER_INDEX = "user_id-index";

  private final TableV2 table;
  private final IKey key;

  public SandboxRegistryTable(Construct scope, String id, String tableName, IKey key) {
    super(scope, id);
    this.key = key;
    table = TableV2.Builder.create(this, "Resource")
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
                .partitionKey(Attribute.builder().name("user_id").type(AttributeType.STRING).build()).build()))
        .build();
  }

  public String tableName() {
    return table.getTableName();
  }

  public TableV2 table() {
    return table;
  }

  /**
   * What the gateway needs and nothing more: {@code GetItem} (route look-ups) and {@code UpdateItem}
   * ({@code last_activity_at}) on this table, plus the key operations DynamoDB performs for it. The policy lives
   * in this construct's stack, so the role's stack does not depend on the table.
   */
  public Policy grantRouteAccess(IRole role) {
    return Policy.Builder.create(this, "RouteAccess")
        .roles(List.of(role))
        .statements(List.of(
            PolicyStatement.Builder.create().sid("RegistryRoutes")
                .actions(List.of("dynamodb:GetItem", "dynamodb:UpdateItem"))
                .resources(List.of(table.getTableArn())).build(),
            PolicyStatement.Builder.create().sid("RegistryKey")
                .actions(List.of("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"))
                .resources(List.of(key.getKeyArn())).build()))
        .build();
  }
}
