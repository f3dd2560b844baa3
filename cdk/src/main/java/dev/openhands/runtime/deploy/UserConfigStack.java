package dev.openhands.runtime.deploy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * The per-user configuration API of the original ({@code /api/v1/user-config/...}: MCP servers, secrets,
 * integrations), as a Java function ({@code UserConfigHandler} in the {@code lambda} module) behind the load
 * balancer. It keeps the original's storage: documents below {@code users/{sub}/} of the data bucket, secrets under
 * KMS envelope encryption with this stack's key, which the app's loader also opens. SnapStart (on by default,
 * {@code userConfigSnapStart}) restores a published version from a snapshot instead of starting a JVM cold.
 */
public final class UserConfigStack extends Stack {

  public static final String ID = "OpenHands-UserConfig";
  static final String HANDLER = "dev.openhands.runtime.lambda.userconfig.UserConfigHandler";

  /** What the stack is built from; {@code lambdaJar} is the {@code lambda} module's jar. */
  public record Inputs(DeploymentSettings settings, Path lambdaJar, IBucket dataBucket) {}

  private final Key secretsKey;
  private final IFunction target;

  public UserConfigStack(Construct scope, StackProps props, Inputs in) {
    super(scope, ID, props);
    DeploymentSettings settings = in.settings();
    secretsKey = Key.Builder.create(this, "UserSecretsKey").alias("alias/" + settings.siteName() + "-user-secrets")
        .description("Envelope key of the secrets users store (the configuration API seals, the app opens)")
        .enableKeyRotation(true).pendingWindow(Duration.days(30)).removalPolicy(RemovalPolicy.RETAIN).build();

    Function function = JavaFunctions.create(this, "Function", in.lambdaJar(), HANDLER,
        "Per-user configuration API (MCP servers, secrets, integrations)", f -> {
          f.functionName(settings.siteName() + "-user-config-api")
              .memorySize(1024)
              .environment(Map.of("DATA_BUCKET", in.dataBucket().getBucketName(),
                  "KMS_KEY_ID", secretsKey.getKeyId(),
                  // C1 alone: a request handler this short gains nothing from C2, and starts sooner without it.
                  "JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"));
          if (settings.userConfigSnapStart()) {
            f.snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS);
          }
        });
    in.dataBucket().grantReadWrite(function, "users/*");
    secretsKey.grant(function, "kms:GenerateDataKey", "kms:Decrypt");
    target = settings.userConfigSnapStart()
        ? Alias.Builder.create(this, "Live").aliasName("live").version(function.getCurrentVersion()).build()
        : function;
    Nag.suppressFindings(function, "AwsSolutions-IAM5", "The function reads and writes the documents of any"
        + " user below users/ (the user is the signed-in caller, checked per request).", List.of(
            "Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*",
            "Action::s3:List*", "/^Resource::.*ConversationData.*\\/users\\/\\*$/",
            "/^Resource::arn:<AWS::Partition>:s3:::.+\\/users\\/\\*$/"));
    Nag.suppress(function, "AwsSolutions-IAM4", "AWSLambdaBasicExecutionRole is the managed policy Lambda documents"
        + " for writing the function's logs.");
  }

  /** What the load balancer invokes: the SnapStart alias, or the function itself without SnapStart. */
  public IFunction target() {
    return target;
  }

  /** The envelope key: the app needs {@code kms:Decrypt} on it to read users' secrets. */
  public Key secretsKey() {
    return secretsKey;
  }
}
