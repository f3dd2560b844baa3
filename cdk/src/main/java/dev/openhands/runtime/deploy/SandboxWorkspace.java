package dev.openhands.runtime.deploy;

import java.util.List;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.efs.AccessPoint;
import software.amazon.awscdk.services.efs.AccessPointOptions;
import software.amazon.awscdk.services.efs.Acl;
import software.amazon.awscdk.services.efs.FileSystem;
import software.amazon.awscdk.services.efs.LifecyclePolicy;
import software.amazon.awscdk.services.efs.PerformanceMode;
import software.amazon.awscdk.services.efs.PosixUser;
import software.amazon.awscdk.services.efs.ThroughputMode;
import software.amazon.awscdk.services.kms.IKey;
import software.constructs.Construct;

/**
 * The sandboxes' workspace file system: encrypted, retained, infrequent access after 14 days. Each conversation gets
 * its own access point below {@link #BASE_PATH} (made by the orchestrator at start, as POSIX user 1000); the base
 * access point is what the orchestrator itself mounts to archive and delete workspaces, as that same user.
 */
public final class SandboxWorkspace extends Construct {

  public static final String BASE_PATH = "/sandbox-workspace";
  /** The agent-server image's user, who owns every workspace. */
  static final String WORKSPACE_UID = "1000";

  private final FileSystem fileSystem;
  private final AccessPoint base;
  private final SecurityGroup group;

  /**
   * @param clients the groups whose tasks mount the file system (NFS from them only)
   */
  public SandboxWorkspace(Construct scope, String id, IVpc vpc, IKey key, List<ISecurityGroup> clients) {
    super(scope, id);
    group = SecurityGroup.Builder.create(this, "Nfs").vpc(vpc).allowAllOutbound(false)
        .description("Sandbox workspace file system: NFS from sandbox tasks and the orchestrator only").build();
    for (ISecurityGroup client : clients) {
      group.addIngressRule(client, Port.tcp(2049), "NFS from " + client.getNode().getPath());
    }
    fileSystem = FileSystem.Builder.create(this, "FileSystem").vpc(vpc)
        .vpcSubnets(NetworkStack.TASK_SUBNETS)
        .securityGroup(group)
        .encrypted(true).kmsKey(key)
        .lifecyclePolicy(LifecyclePolicy.AFTER_14_DAYS)
        .performanceMode(PerformanceMode.GENERAL_PURPOSE)
        .throughputMode(ThroughputMode.ELASTIC)
        .enableAutomaticBackups(true)
        .removalPolicy(RemovalPolicy.RETAIN)
        .build();
    base = fileSystem.addAccessPoint("Base", AccessPointOptions.builder()
        .path(BASE_PATH)
        .posixUser(PosixUser.builder().uid(WORKSPACE_UID).gid(WORKSPACE_UID).build())
        .createAcl(Acl.builder().ownerUid(WORKSPACE_UID).ownerGid(WORKSPACE_UID).permissions("755").build())
        .build());
  }

  public FileSystem fileSystem() {
    return fileSystem;
  }

  /** The access point at {@link #BASE_PATH}: the base task definition's volume, and the orchestrator's mount. */
  public AccessPoint base() {
    return base;
  }
}
