package dev.openhands.runtime.deploy;

import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.kms.IKey;
import software.constructs.Construct;

/** The sandbox registry (the Sandbox stack's table in the original layout) and the gateway's right to read it. */
public final class RegistryStack extends Stack {

  public static final String ID = "OpenHands-Registry";

  private final SandboxRegistryTable registry;

  public RegistryStack(Construct scope, StackProps props, DeploymentSettings settings, IKey key, IRole gatewayRole) {
    super(scope, ID, props);
    registry = new SandboxRegistryTable(this, "SandboxRegistry", settings.registryTableName(), key);
    registry.grantRouteAccess(gatewayRole);
  }

  public SandboxRegistryTable registry() {
    return registry;
  }
}
