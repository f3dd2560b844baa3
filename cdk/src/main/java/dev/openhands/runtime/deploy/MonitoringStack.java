package dev.openhands.runtime.deploy;

import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * Where the gateway's logs and alerts go: an encrypted log group with a retention, and the alert topic. The
 * gateway's alarms and dashboard ({@link GatewayAlarms}) are built in the Compute stack, next to the load balancer
 * and service they watch, and publish here: the log group must exist before the service starts, so this stack
 * cannot depend on Compute.
 */
public final class MonitoringStack extends Stack {

  public static final String ID = "OpenHands-Monitoring";

  private final LogGroup gatewayLogs;
  private final Topic alerts;

  public MonitoringStack(Construct scope, StackProps props, DeploymentSettings settings, IKey key) {
    super(scope, ID, props);
    gatewayLogs = LogGroup.Builder.create(this, "GatewayLogs")
        .logGroupName("/" + settings.siteName() + "/gateway")
        .retention(RetentionDays.ONE_MONTH).encryptionKey(key).removalPolicy(RemovalPolicy.RETAIN).build();
    alerts = Topic.Builder.create(this, "Alerts").displayName(settings.siteName() + " gateway alerts")
        .masterKey(key).enforceSsl(true).build();
    if (settings.alarmEmail() != null) {
      alerts.addSubscription(new EmailSubscription(settings.alarmEmail()));
    }
  }

  public LogGroup gatewayLogs() {
    return gatewayLogs;
  }

  public Topic alerts() {
    return alerts;
  }
}
