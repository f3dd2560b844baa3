package dev.openhands.runtime.deploy;

import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ecs.Cluster;
import software.amazon.awscdk.services.ecs.ContainerInsights;
import software.amazon.awscdk.services.servicediscovery.PrivateDnsNamespace;
import software.constructs.Construct;

/** The ECS cluster (Container Insights on) and the Cloud Map namespace the app and sandboxes register in. */
public final class ClusterStack extends Stack {

  public static final String ID = "OpenHands-Cluster";
  public static final String NAMESPACE = "openhands.local";

  private final Cluster cluster;
  private final PrivateDnsNamespace namespace;

  public ClusterStack(Construct scope, StackProps props, DeploymentSettings settings, IVpc vpc) {
    super(scope, ID, props);
    cluster = Cluster.Builder.create(this, "Cluster").clusterName(settings.siteName()).vpc(vpc)
        .containerInsightsV2(ContainerInsights.ENABLED).build();
    namespace = PrivateDnsNamespace.Builder.create(this, "Namespace").name(NAMESPACE).vpc(vpc)
        .description("OpenHands services (the app; sandboxes)").build();
  }

  public Cluster cluster() {
    return cluster;
  }

  public PrivateDnsNamespace namespace() {
    return namespace;
  }
}
