package dev.openhands.runtime.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.LoggingFormat;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The deployment's regional Lambda functions: one jar ({@code lambda/target/lambda.jar}, the {@code lambda}
 * module), the Java 21 runtime on ARM64, JSON logs in a log group of their own that expires.
 */
final class JavaFunctions {

  /** Where the {@code lambda} module's build leaves its jar, relative to the repository's root. */
  static final String JAR = "lambda/target/lambda.jar";

  private JavaFunctions() {}

  /** The jar, checked at synth: a deployment from a checkout that never built it stops with one line. */
  static Path jar(Path repository) {
    Path jar = repository.resolve(JAR);
    if (!Files.isRegularFile(jar)) {
      throw new SettingsException(jar + ": missing (build it first: ./mvnw -pl lambda -am package -DskipTests)");
    }
    return jar;
  }

  /**
   * A function running {@code handler} (a class of the jar implementing Lambda's {@code RequestHandler}).
   *
   * @param customize the caller's further settings (VPC, memory, environment) on the builder
   */
  static Function create(Construct scope, String id, Path jar, String handler, String description,
      java.util.function.Consumer<Function.Builder> customize) {
    LogGroup logs = LogGroup.Builder.create(scope, id + "Logs").retention(RetentionDays.ONE_MONTH)
        .removalPolicy(RemovalPolicy.DESTROY).build();
    Function.Builder builder = Function.Builder.create(scope, id)
        .runtime(Runtime.JAVA_21).architecture(Architecture.ARM_64)
        .code(Code.fromAsset(jar.toString()))
        .handler(handler + "::handleRequest")
        .description(description)
        .memorySize(512).timeout(Duration.seconds(30))
        .loggingFormat(LoggingFormat.JSON).logGroup(logs);
    customize.accept(builder);
    return builder.build();
  }
}
