package dev.openhands.runtime.deploy;

import java.util.List;
import software.amazon.awscdk.services.ecs.AwsLogDriverMode;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.CpuArchitecture;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.LogDriver;
import software.amazon.awscdk.services.ecs.LogDrivers;
import software.amazon.awscdk.services.ecs.OperatingSystemFamily;
import software.amazon.awscdk.services.ecs.RuntimePlatform;
import software.amazon.awscdk.services.logs.ILogGroup;

/** What the deployment's three task definitions (gateway, orchestrator, sandbox) share. */
final class FargateTasks {

  private FargateTasks() {}

  /** Every task runs on ARM64 Linux (Graviton: the same work for less). */
  static RuntimePlatform arm64() {
    return RuntimePlatform.builder().cpuArchitecture(CpuArchitecture.ARM64)
        .operatingSystemFamily(OperatingSystemFamily.LINUX).build();
  }

  /** Logs to {@code group} without ever blocking the container on a slow log stream. */
  static LogDriver logsTo(ILogGroup group, String streamPrefix) {
    return LogDrivers.awsLogs(AwsLogDriverProps.builder().logGroup(group).streamPrefix(streamPrefix)
        .mode(AwsLogDriverMode.NON_BLOCKING).build());
  }

  /** The execution role's wildcard is the ECR token ECS documents; CDK scopes the rest to the task's own parts. */
  static void suppressExecutionRoleWildcard(FargateTaskDefinition task) {
    Nag.suppress(task, "AwsSolutions-IAM5", "The execution role's ECR token and log-stream rights are the ones ECS"
        + " documents; CDK scopes the rest to this task's image repository and log group.", List.of("Resource::*"));
  }
}
